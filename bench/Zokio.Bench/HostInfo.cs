namespace Zokio.Bench;

/// <summary>Where the tools are and which versions ran (results' <c>host</c>).</summary>
internal static class HostInfo
{
    /// <summary>The tool on PATH, or in /usr/sbin (nginx's home, not on a non-root PATH); null if neither.</summary>
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    /// <summary>The first line a tool prints about itself (nginx -v writes to stderr).</summary>
    public static async Task<string> VersionAsync(params string[] argv)
    {
        var (_, output) = await ChildProcess.CaptureAsync(["/bin/sh", "-c", "\"$@\" 2>&1", "sh", .. argv]);
        return output.Split('\n')[0].TrimEnd('\r');
    }
}
