namespace Zokio.Testing;

/// <summary>The repository the tests were built from: the folder holding Zokio.sln above the test's output.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>A folder under the repository's TestResults for files a person looks at after a run (screenshots).</summary>
    public static string ResultsDirectory(string name)
    {
        string directory = Path.Combine(Root, "TestResults", name);
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Zokio.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Zokio.sln above {AppContext.BaseDirectory}: the tests must run from the repository's build output.");
    }
}
