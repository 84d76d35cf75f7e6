namespace Zokio.Testing;

/// <summary>The repository the tests were built from: the folder holding Zokio.sln above the test's output.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Zokio.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Zokio.sln above {AppContext.BaseDirectory}: the tests must run from the repository's build output.");
    }
}
