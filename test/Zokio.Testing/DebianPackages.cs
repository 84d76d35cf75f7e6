using System.Collections.Concurrent;

namespace Zokio.Testing;

/// <summary>
/// Programs some tests need from Debian packages: found on PATH, else installed with apt-get (as root, once per test
/// run), else the reason a test using them is skipped.
/// </summary>
public static class DebianPackages
{
    private static readonly TimeSpan s_installTimeout = TimeSpan.FromMinutes(8);
    private static readonly ConcurrentDictionary<string, Lazy<string?>> s_results = new();
    private static readonly Lazy<string?> s_update = new(() => RunApt(["update", "-qq"]));

    /// <summary>Null when every one of <paramref name="programs"/> is available, else why not.</summary>
    public static string? Ensure(string[] programs, string[] packages) =>
        s_results.GetOrAdd(string.Join(' ', packages), _ => new Lazy<string?>(() => Install(programs, packages))).Value;

    /// <summary>Null when every one of <paramref name="packages"/> is installed (dpkg), after installing the missing ones; else why not.</summary>
    public static string? EnsureInstalled(string[] packages) =>
        s_results.GetOrAdd("dpkg: " + string.Join(' ', packages), _ => new Lazy<string?>(() =>
        {
            string[] missing = [.. packages.Where(p => !IsInstalled(p))];
            if (missing.Length == 0)
            {
                return null;
            }

            if (!OperatingSystem.IsLinux() || Find("apt-get") is null || Environment.UserName != "root")
            {
                return $"{string.Join(", ", missing)} not installed and cannot be installed here (needs root and apt-get): apt-get install -y {string.Join(' ', missing)}";
            }

            string? failure = s_update.Value ?? RunApt(["install", "-y", "-qq", "--no-install-recommends", .. missing]);
            string[] stillMissing = [.. missing.Where(p => !IsInstalled(p))];
            return stillMissing.Length == 0 ? null : $"{string.Join(", ", stillMissing)} missing after apt-get install: {failure ?? "no error reported"}";
        })).Value;

    private static bool IsInstalled(string package) =>
        Command.RunAsync("dpkg-query", ["-W", "-f=${Status}", package], null, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()
            is { ExitCode: 0 } result && result.Output.Contains("install ok installed", StringComparison.Ordinal);

    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static string? Install(string[] programs, string[] packages)
    {
        string[] missing = [.. programs.Where(p => Find(p) is null)];
        if (missing.Length == 0)
        {
            return null;
        }

        string install = $"apt-get install -y {string.Join(' ', packages)}";
        if (!OperatingSystem.IsLinux() || Find("apt-get") is null || Environment.UserName != "root")
        {
            return $"{string.Join(", ", missing)} not installed and cannot be installed here (needs root and apt-get): {install}";
        }

        string? failure = s_update.Value ?? RunApt(["install", "-y", "-qq", "--no-install-recommends", .. packages]);
        string[] stillMissing = [.. programs.Where(p => Find(p) is null)];
        return stillMissing.Length == 0 ? null : $"{string.Join(", ", stillMissing)} missing after `{install}`: {failure ?? "no error reported"}";
    }

    private static string? RunApt(string[] arguments)
    {
        Command.Result result = Command.RunAsync("apt-get", arguments, null, s_installTimeout, new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" })
            .GetAwaiter().GetResult();
        return result.ExitCode == 0 ? null : $"apt-get {string.Join(' ', arguments)} exited with {result.ExitCode}: {Command.Tail(result.Output, 5)}";
    }
}
