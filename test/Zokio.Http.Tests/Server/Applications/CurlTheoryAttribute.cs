namespace Zokio.Http.Tests.Server.Applications;

/// <summary>A theory that runs curl (installed with apt-get when missing); skipped, with the reason, where it cannot be installed.</summary>
internal sealed class CurlTheoryAttribute : TheoryAttribute
{
    public CurlTheoryAttribute()
    {
        Skip = DebianPackages.Ensure(["curl"], ["curl"]);
    }
}
