using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

/// <summary>Reads and sets which CPUs a thread may run on (<c>sched_getaffinity(2)</c>, <c>sched_setaffinity(2)</c>).</summary>
internal static unsafe partial class ThreadAffinity
{
    // 1024 CPUs, the size of glibc's cpu_set_t.
    private const int MaskWords = 16;

    [LibraryImport(Interop.Libraries.Libc, EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    [LibraryImport(Interop.Libraries.Libc, EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    /// <summary>
    /// The CPUs the calling thread may run on, in ascending order: the process's mask as set by <c>taskset</c>, a
    /// container's cpuset or <c>sched_setaffinity</c>, inherited by every thread it starts. Empty when the kernel refuses.
    /// </summary>
    public static int[] GetCurrentThreadCpus()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        // pid 0 is the calling thread.
        if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
        {
            return [];
        }

        List<int> cpus = [];
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/>; false when the kernel refuses (the CPU is outside the process's cpuset, for one).</summary>
    public static bool TryPinCurrentThread(int cpu)
    {
        if ((uint)cpu >= MaskWords * 64)
        {
            return false;
        }

        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) == 0;
    }
}
