namespace Zokio.Workloads.Tests;

/// <summary>The tests that use the PostgreSQL cluster; it is stopped after them if this test run started it.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCollection.Cluster>
{
    public const string Name = "PostgreSQL";

    public sealed class Cluster : IDisposable
    {
        public void Dispose() => PostgresCluster.StopIfStartedHere();
    }
}
