using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

/// <summary>Reads the kernel's view of a thread: its id, and whether it is blocked or runnable.</summary>
internal static partial class ThreadState
{
    [LibraryImport(Interop.Libraries.Libc, EntryPoint = "gettid")]
    private static partial int GetTid();

    /// <summary>The calling thread's kernel thread id.</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>
    /// True when the thread sleeps in the kernel (state S or D in /proc/self/task/TID/stat): blocked on a lock, a
    /// sleep, or synchronous I/O. False while it runs or waits for a CPU, and when the state cannot be read.
    /// </summary>
    public static bool IsBlocked(int tid)
    {
        try
        {
            // "tid (comm) S ..." – comm may hold spaces and parentheses, so the state follows the last ')'.
            string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'S' or 'D';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
