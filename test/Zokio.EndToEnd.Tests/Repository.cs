using System.Reflection;

namespace Zokio.EndToEnd.Tests;

/// <summary>Where this build's repository and outputs are, as recorded when the tests were compiled.</summary>
internal static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    /// <summary>Release or Debug: the configuration the tests (and so the sample and the packages) were built in.</summary>
    public static string Configuration { get; } = Metadata("Configuration");

    public static string SampleDirectory { get; } = Path.Combine(Root, "samples", "WebApi", "bin", Configuration, "net10.0");

    /// <summary>A folder under the repository's TestResults for files a person looks at after a run (screenshots).</summary>
    public static string ResultsDirectory(string name)
    {
        string directory = Path.Combine(Root, "TestResults", name);
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException($"The test assembly has no {key} metadata.");
}
