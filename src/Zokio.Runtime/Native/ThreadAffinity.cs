using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

/// <summary>Pins the calling thread to one core with <c>sched_setaffinity(2)</c>.</summary>
internal static unsafe partial class ThreadAffinity
{
    [LibraryImport(Interop.Libraries.Libc, EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    /// <summary>Returns false when the kernel refuses (the core is outside the process's cpuset, for one).</summary>
    public static bool TryPinCurrentThread(int core)
    {
        const int Words = 16; // 1024 cores, the size of glibc's cpu_set_t
        if ((uint)core >= Words * 64)
        {
            return false;
        }

        ulong* mask = stackalloc ulong[Words];
        new Span<ulong>(mask, Words).Clear();
        mask[core / 64] = 1UL << (core % 64);
        // pid 0 is the calling thread.
        return SchedSetAffinity(0, Words * sizeof(ulong), mask) == 0;
    }
}
