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
    public static bool IsBlocked(int tid) => ReadState(tid) is 'S' or 'D';

    /// <summary>
    /// What the kernel says the thread is doing, for a log line: its state and, when the kernel tells (it hides it
    /// without kallsyms access), the kernel function it sleeps in (/proc/self/task/TID/wchan), as in
    /// "state S (sleeping), waiting in futex_wait_queue".
    /// </summary>
    public static string DescribeWait(int tid)
    {
        char? state = ReadState(tid);
        string described = state switch
        {
            null => "state unknown",
            'S' => "state S (sleeping)",
            'D' => "state D (uninterruptible, usually disk I/O)",
            'R' => "state R (running)",
            char other => $"state {other}",
        };
        string? wchan = ReadProcFile($"/proc/self/task/{tid}/wchan")?.Trim();
        return string.IsNullOrEmpty(wchan) || wchan == "0" ? described : $"{described}, waiting in {wchan}";
    }

    /// <summary>The state letter of /proc/self/task/TID/stat, or null when it cannot be read.</summary>
    private static char? ReadState(int tid)
    {
        // "tid (comm) S ..." – comm may hold spaces and parentheses, so the state follows the last ')'.
        string? stat = ReadProcFile($"/proc/self/task/{tid}/stat");
        int close = stat?.LastIndexOf(')') ?? -1;
        return close > 0 && close + 2 < stat!.Length ? stat[close + 2] : null;
    }

    private static string? ReadProcFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
