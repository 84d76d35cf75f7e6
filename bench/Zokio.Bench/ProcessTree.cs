using System.Globalization;

namespace Zokio.Bench;

/// <summary>
/// A server and its descendants (nginx's worker is a child of its master), read from /proc: CPU time, memory and the
/// established connections its sockets hold.
/// </summary>
internal static partial class ProcessTree
{
    private const int ScClkTck = 2; // _SC_CLK_TCK in glibc's <bits/confname.h>

    /// <summary>The unit of /proc/PID/stat's times (USER_HZ, 100 on every Linux build seen).</summary>
    public static long ClockTicksPerSecond { get; } = Sysconf(ScClkTck);

    public static IEnumerable<int> Of(int pid)
    {
        if (!Directory.Exists($"/proc/{pid}"))
        {
            yield break;
        }
        yield return pid;
        foreach (var task in Safe(() => Directory.GetDirectories($"/proc/{pid}/task")))
        {
            var children = Safe(() => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries));
            foreach (var child in children)
            {
                foreach (var descendant in Of(int.Parse(child, CultureInfo.InvariantCulture)))
                {
                    yield return descendant;
                }
            }
        }
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks) summed over the tree.</summary>
    public static long CpuTicks(int pid) => Of(pid).Sum(p =>
    {
        var stat = Safe(() => File.ReadAllText($"/proc/{p}/stat"));
        if (stat.Length == 0)
        {
            return 0L;
        }
        // The command name (field 2) may hold spaces; split after its closing parenthesis (field 3 is index 0).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    });

    /// <summary>Sum of a /proc/PID/status field in kB (VmRSS now, VmHWM peak) over the tree.</summary>
    public static long MemoryKb(string field, int pid) => Of(pid).Sum(p =>
        Safe(() => File.ReadAllLines($"/proc/{p}/status"))
            .Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .FirstOrDefault());

    /// <summary>
    /// Established connections on <paramref name="port"/> whose sockets the tree's processes own: unlike the kernel's count
    /// of established connections, this excludes those still waiting in the listen backlog, and unlike a count of fds it
    /// ignores the warm-up's connections still being torn down.
    /// </summary>
    public static int ServerConnections(int pid, int port)
    {
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Of(pid))
        {
            foreach (var fd in Safe(() => Directory.GetFiles($"/proc/{p}/fd")))
            {
                var target = Safe(() => new FileInfo(fd).LinkTarget ?? "");
                if (target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    owned.Add(target[8..^1]);
                }
            }
        }
        return CountEstablished(Safe(() => File.ReadAllLines("/proc/net/tcp")), port, owned);
    }

    /// <summary>Rows of /proc/net/tcp in state 01 (established) with local port <paramref name="port"/> and an owned inode.</summary>
    public static int CountEstablished(IEnumerable<string> procNetTcp, int port, IReadOnlySet<string> inodes)
    {
        var portHex = port.ToString("X4", CultureInfo.InvariantCulture);
        return procNetTcp.Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 9 && f[3] == "01" && f[1].EndsWith(":" + portHex, StringComparison.Ordinal) && inodes.Contains(f[9]));
    }

    // A process of the tree may exit between listing and reading; it then counts as nothing.
    private static T[] Safe<T>(Func<T[]> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string Safe(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long Sysconf(int name);
}
