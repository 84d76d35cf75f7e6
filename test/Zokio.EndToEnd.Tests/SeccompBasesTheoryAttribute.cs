namespace Zokio.EndToEnd.Tests;

/// <summary>
/// A test that compares the seccomp profiles with their engines' defaults, which deploy/seccomp/generate.sh extracts
/// from Debian packages (apt-get download) and, for containerd's, generates with Go; skipped, with the reason, where
/// the tools cannot be installed.
/// </summary>
internal sealed class SeccompBasesTheoryAttribute : TheoryAttribute
{
    private static readonly Lazy<string?> s_unavailable = new(() =>
        DebianPackages.Ensure(["jq", "go", "apt-get", "dpkg-deb"], ["jq", "golang-go"])
        ?? DebianPackages.EnsureInstalled(["golang-go", "golang-github-opencontainers-specs-dev", "golang-golang-x-sys-dev"]));

    public SeccompBasesTheoryAttribute()
    {
        Skip = s_unavailable.Value;
    }
}
