using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Zokio.Runtime.Loops;

namespace Zokio.Workloads.Tests;

/// <summary>
/// A slow query must not stall the other connections of its loop. The slow query waits for an advisory lock that the
/// test holds, rather than <c>pg_sleep(2)</c>: it lasts exactly until the test has seen the other requests complete,
/// so the ordering the tests assert does not depend on how fast this machine is.
/// </summary>
[Collection(PostgresCollection.Name)]
public class SlowQueryTests
{
    private const long LockKey = 0x5A6F6B696F; // "Zokio"
    private const string WaitForLock = "SELECT pg_advisory_xact_lock($1)";

    [PostgresTheory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task While_a_request_awaits_a_slow_query_requests_on_other_connections_of_its_loop_complete(LoopBackendKind backend)
    {
        TaskCompletionSource<bool> resumedOnLoop = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await RunAsync(backend, "/slow-query", async (HttpContext context, NpgsqlDataSource db) =>
        {
            await using NpgsqlCommand command = db.CreateCommand(WaitForLock);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            await command.ExecuteNonQueryAsync(context.RequestAborted);
            resumedOnLoop.TrySetResult(EventLoop.Current is not null);
            return "slow";
        }, expectHandOff: false);
        // Npgsql does its I/O on its own sockets and thread-pool continuations; the handler's await captured the loop's
        // SynchronizationContext, so the handler itself comes back to its loop.
        Assert.True(await resumedOnLoop.Task.WaitAsync(TestHost.Timeout), "After awaiting Npgsql the handler did not resume on its loop.");
    }

    [PostgresTheory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task While_a_request_blocks_its_loop_on_a_synchronous_slow_query_Adaptive_scheduling_keeps_its_other_connections_served(LoopBackendKind backend)
    {
        await RunAsync(backend, "/slow-query", (NpgsqlDataSource db) =>
        {
            // Synchronous Npgsql on the loop's thread, as in code that mixes sync and async APIs: the thread sleeps in
            // the kernel, the stall detector sees it and hands the loop to a new thread.
            using NpgsqlCommand command = db.CreateCommand(WaitForLock);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            command.ExecuteNonQuery();
            return "slow";
        }, expectHandOff: true);
    }

    private static async Task RunAsync(LoopBackendKind backend, string slowPath, Delegate slowHandler, bool expectHandOff)
    {
        using ZokioMeterReader meter = new();
        long handOffsBefore = meter.Read(ZokioMeterReader.LoopHandOffs);
        TaskCompletionSource<bool> slowStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // One loop, so every connection lands on the loop of the slow request; Adaptive scheduling is the default.
        WebApplication app = SampleApp.Create(backend, PostgresCluster.ConnectionString, options => options.LoopCount = 1, app =>
        {
            app.MapGet(slowPath, slowHandler).AddEndpointFilter(async (context, next) =>
            {
                slowStarted.TrySetResult(EventLoop.Current is not null);
                return await next(context);
            });
        });
        await using TestHost host = await TestHost.StartAsync(app);
        await using NpgsqlDataSource db = NpgsqlDataSource.Create(PostgresCluster.ConnectionString);
        await using NpgsqlConnection lockHolder = await db.OpenConnectionAsync();
        await ExecuteAsync(lockHolder, "SELECT pg_advisory_lock($1)");
        try
        {
            using HttpClient slowClient = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
            // A first request on the same keep-alive connection, so the slow one is read and run on the loop (a
            // connection's very first request may be parsed on the thread pool, where Kestrel starts connections).
            Assert.Equal(HttpStatusCode.OK, (await slowClient.GetAsync("/db")).StatusCode);
            Task<string> slow = slowClient.GetStringAsync(slowPath);
            Assert.True(await slowStarted.Task.WaitAsync(TestHost.Timeout), "The slow request's handler did not run on the event loop.");
            await WaitUntilAsync(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'");

            // Five database requests, each on its own connection of the same (only) loop.
            int[] statuses = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
            {
                using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
                using HttpRequestMessage request = new(HttpMethod.Get, "/db") { Headers = { ConnectionClose = true } };
                using HttpResponseMessage response = await client.SendAsync(request);
                return (int)response.StatusCode;
            })).WaitAsync(TestHost.Timeout);

            Assert.All(statuses, status => Assert.Equal(200, status));
            Assert.False(slow.IsCompleted, "The slow request completed before the lock was released: it did not wait on the query.");
            await ExecuteAsync(lockHolder, "SELECT pg_advisory_unlock($1)");
            Assert.Equal("slow", await slow.WaitAsync(TestHost.Timeout));
            long handOffs = meter.Read(ZokioMeterReader.LoopHandOffs) - handOffsBefore;
            if (expectHandOff)
            {
                Assert.True(handOffs > 0, "zokio.loop.handoffs did not increase while the loop's thread was blocked.");
            }
            else
            {
                Assert.True(handOffs == 0, $"An awaited query blocked nothing, yet the loop was handed off {handOffs} time(s).");
            }
        }
        finally
        {
            await ExecuteAsync(lockHolder, "SELECT pg_advisory_unlock_all()");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using NpgsqlCommand command = new(sql, connection);
        if (sql.Contains("$1", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
        }

        await command.ExecuteNonQueryAsync();
    }

    // Polls until the query counts at least one row, or fails after the test timeout.
    private static async Task WaitUntilAsync(NpgsqlDataSource db, string countQuery)
    {
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        await using NpgsqlCommand command = db.CreateCommand(countQuery);
        while ((long)(await command.ExecuteScalarAsync(timeout.Token))! == 0)
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
