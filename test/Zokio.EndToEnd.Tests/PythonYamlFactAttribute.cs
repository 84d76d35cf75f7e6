namespace Zokio.EndToEnd.Tests;

/// <summary>
/// A test that reads YAML with Debian's python3 and python3-yaml (installed when missing); skipped, with the reason,
/// where they cannot be installed.
/// </summary>
internal sealed class PythonYamlFactAttribute : FactAttribute
{
    /// <summary>Debian's interpreter, which sees Debian's python3-yaml (a python3 earlier on PATH may not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> s_unavailable = new(() =>
        DebianPackages.EnsureInstalled(["python3", "python3-yaml"]) ?? (File.Exists(Python) ? null : $"{Python} is missing"));

    public PythonYamlFactAttribute()
    {
        Skip = s_unavailable.Value;
    }
}
