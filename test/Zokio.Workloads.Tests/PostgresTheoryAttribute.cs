namespace Zokio.Workloads.Tests;

/// <summary>
/// A theory that needs PostgreSQL: skipped, with the reason printed in the test results, when bench/db/setup.sh could
/// neither find nor install and start it. xunit 2 decides skipping when it discovers tests, so the cluster is started then.
/// </summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresCluster.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
