namespace Zokio.EndToEnd.Tests;

/// <summary>A test that drives Debian's Chromium through chromedriver; skipped, with the reason, where they cannot be installed.</summary>
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        Skip = DebianPackages.Ensure(["chromium", "chromedriver"], ["chromium", "chromium-driver"]);
    }
}
