using System.Reflection;

namespace Zokio.EndToEnd.Tests;

/// <summary>The sample as this build made it, in the configuration recorded when the tests were compiled.</summary>
internal static class SampleBuild
{
    /// <summary>Release or Debug: the configuration the tests (and so the sample and the packages) were built in.</summary>
    public static string Configuration { get; } =
        typeof(SampleBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value
            ?? throw new InvalidOperationException("The test assembly has no Configuration metadata.");

    public static string Directory { get; } = Path.Combine(Repository.Root, "samples", "WebApi", "bin", Configuration, "net10.0");
}
