namespace Zokio.Http.Tests.Server.Applications;

/// <summary>
/// A theory that runs Debian's python3 with its <c>websockets</c> package (python3-websockets, installed when missing);
/// skipped, with the reason, where they cannot be installed.
/// </summary>
internal sealed class PythonWebSocketsTheoryAttribute : TheoryAttribute
{
    /// <summary>Debian's interpreter, which sees Debian's python3-websockets (a python3 earlier on PATH may not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> s_unavailable = new(() =>
        DebianPackages.EnsureInstalled(["python3", "python3-websockets"]) ?? (File.Exists(Python) ? null : $"{Python} is missing"));

    public PythonWebSocketsTheoryAttribute()
    {
        Skip = s_unavailable.Value;
    }
}
