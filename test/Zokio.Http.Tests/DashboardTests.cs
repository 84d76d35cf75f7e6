using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Zokio.Http.Dashboard;
using Zokio.Http.Internal;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>The live dashboard's page, JSON snapshot and event stream, served by a real app on Zokio.</summary>
public class DashboardTests
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Snapshot_lists_every_loop_with_the_connections_it_accepted(LoopBackendKind backend)
    {
        await using TestHost host = await StartAsync(backend);
        const int connections = 6;
        for (int i = 0; i < connections; i++)
        {
            // A client per request: each request is a new connection.
            using HttpClient fresh = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
            Assert.Equal("hello", await fresh.GetStringAsync("/hello"));
        }

        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
        using HttpResponseMessage response = await client.GetAsync("/zokio/snapshot");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        DashboardSnapshot snapshot = (await response.Content.ReadFromJsonAsync<DashboardSnapshot>(s_json))!;

        Assert.Equal("serving", snapshot.State);
        Assert.Equal([0, 1], snapshot.Loops.Select(l => l.Index));
        Assert.All(snapshot.Loops, loop => Assert.Equal(backend.ToString(), loop.Backend));
        // The snapshot's own connection is open and counted too.
        Assert.True(snapshot.Loops.Sum(l => l.Accepted) >= connections + 1, $"accepted {snapshot.Loops.Sum(l => l.Accepted)}");
        Assert.True(snapshot.Loops.Sum(l => l.Connections) >= 1);
        Assert.True(snapshot.Loops.Sum(l => l.BytesReceived) > 0);
        Assert.All(snapshot.Loops, loop => Assert.Null(loop.AcceptedPerSecond));
        // With no page open nothing counts requests: a snapshot then has totals only.
        Assert.Null(snapshot.Requests);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Event_stream_sends_the_history_then_samples_that_follow_the_traffic(LoopBackendKind backend)
    {
        await using TestHost host = await StartAsync(backend);
        // Closes the never-ending stream at the end instead of draining it for ResponseDrainTimeout (2 s).
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        await using EventStream stream = await EventStream.OpenAsync(client, timeout.Token);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        IAsyncEnumerator<SseItem<string>> events = stream.Events;

        Assert.True(await events.MoveNextAsync());
        Assert.Equal("history", events.Current.EventType);
        DashboardSnapshot first = await NextSampleAsync(events);
        Assert.Equal("serving", first.State);
        long acceptedBefore = first.Loops.Sum(l => l.Accepted);

        const int connections = 5;
        for (int i = 0; i < connections; i++)
        {
            using HttpClient fresh = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
            await fresh.GetStringAsync("/hello");
        }

        // Samples keep coming (one per interval); wait for one that has seen the new connections.
        DashboardSnapshot later;
        do
        {
            later = await NextSampleAsync(events);
        }
        while (later.Loops.Sum(l => l.Accepted) < acceptedBefore + connections);

        Assert.All(later.Loops, loop => Assert.NotNull(loop.AcceptedPerSecond));
        Assert.All(later.Loops, loop => Assert.NotNull(loop.BytesReceivedPerSecond));
    }

    [Fact]
    public async Task Sampling_runs_only_while_someone_watches_and_a_late_watcher_gets_the_history()
    {
        await using TestHost host = await StartAsync(LoopBackendKind.Epoll);
        DashboardSource source = new(
            host.App.Services.GetRequiredService<ZokioListenerFactory>(),
            host.App.Services.GetRequiredService<IOptions<ZokioOptions>>(),
            host.App.Services.GetRequiredService<PlatformSupport>(),
            host.App.Services.GetRequiredService<IMeterFactory>());
        DashboardSampler sampler = new(source, TimeSpan.FromMilliseconds(20));
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        Assert.False(sampler.IsSampling);

        IAsyncEnumerator<SseItem<string>> first = sampler.WatchAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await first.MoveNextAsync());
        Assert.Equal(("history", "[]"), (first.Current.EventType, first.Current.Data));
        Assert.True(sampler.IsSampling);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await first.MoveNextAsync());
            Assert.Equal("sample", first.Current.EventType);
        }

        await using (IAsyncEnumerator<SseItem<string>> late = sampler.WatchAsync(timeout.Token).GetAsyncEnumerator(timeout.Token))
        {
            Assert.True(await late.MoveNextAsync());
            DashboardSnapshot[] history = JsonSerializer.Deserialize<DashboardSnapshot[]>(late.Current.Data, s_json)!;
            Assert.True(history.Length >= 3, $"history of {history.Length} sample(s)");
        }

        Assert.True(sampler.IsSampling, "the first watcher is still there");
        await first.DisposeAsync();
        Assert.False(sampler.IsSampling);
    }

    [Fact]
    public async Task Page_is_self_contained_and_allows_only_its_own_inline_script_and_style()
    {
        await using TestHost host = await StartAsync(LoopBackendKind.Epoll);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        using HttpResponseMessage response = await client.GetAsync("/zokio");
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        string policy = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.Matches("script-src 'sha256-[A-Za-z0-9+/=]{44}'", policy);
        Assert.Matches("style-src 'sha256-[A-Za-z0-9+/=]{44}'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.DoesNotContain(" src=", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("://", html);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Page_carries_a_snapshot_to_draw_before_its_event_stream_connects_and_the_history_once_one_watches(LoopBackendKind backend)
    {
        await using TestHost host = await StartAsync(backend);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using CancellationTokenSource timeout = new(TestHost.Timeout);

        DashboardSnapshot[] alone = await PageSamplesAsync(client, timeout.Token);
        DashboardSnapshot snapshot = Assert.Single(alone);
        Assert.Equal("serving", snapshot.State);
        Assert.Equal([0, 1], snapshot.Loops.Select(l => l.Index));

        // Another page watching: this one then carries the samples kept so far, rates and requests included.
        await using EventStream stream = await EventStream.OpenAsync(client, timeout.Token);
        IAsyncEnumerator<SseItem<string>> events = stream.Events;
        Assert.True(await events.MoveNextAsync());
        await NextSampleAsync(events);
        await NextSampleAsync(events);

        DashboardSnapshot[] watched = await PageSamplesAsync(client, timeout.Token);
        Assert.True(watched.Length >= 2, $"{watched.Length} sample(s)");
        Assert.NotNull(watched[^1].Requests);
        Assert.All(watched[^1].Loops, loop => Assert.NotNull(loop.AcceptedPerSecond));

        // And the JSON snapshot is the latest sample, not a reading without rates.
        DashboardSnapshot latest = (await client.GetFromJsonAsync<DashboardSnapshot>("/zokio/snapshot", s_json, timeout.Token))!;
        Assert.NotNull(latest.Requests);
        Assert.All(latest.Loops, loop => Assert.NotNull(loop.AcceptedPerSecond));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Samples_count_requests_per_route_with_5xx_and_percentiles_and_leave_the_event_stream_out(LoopBackendKind backend)
    {
        await using TestHost host = await StartAsync(backend);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        await using EventStream stream = await EventStream.OpenAsync(client, timeout.Token);
        IAsyncEnumerator<SseItem<string>> events = stream.Events;
        Assert.True(await events.MoveNextAsync());
        Assert.Null((await NextSampleAsync(events)).Requests);

        // Traffic until a sample has seen both routes in one interval (samples come every 50 ms).
        using CancellationTokenSource stopTraffic = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task traffic = Task.Run(async () =>
        {
            using HttpClient load = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
            while (!stopTraffic.IsCancellationRequested)
            {
                Assert.Equal("hello", await load.GetStringAsync("/hello", stopTraffic.Token));
                using HttpResponseMessage failed = await load.GetAsync("/fail", stopTraffic.Token);
                Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            }
        }, CancellationToken.None);

        DashboardSnapshot sample;
        DashboardRoute? hello, fail;
        do
        {
            sample = await NextSampleAsync(events);
            hello = sample.Requests?.Routes.FirstOrDefault(r => r is { Method: "GET", Route: "/hello" });
            fail = sample.Requests?.Routes.FirstOrDefault(r => r is { Method: "GET", Route: "/fail" });
        }
        while (hello is null || fail is null);
        await stopTraffic.CancelAsync();
        try
        {
            await traffic;
        }
        catch (OperationCanceledException) when (stopTraffic.IsCancellationRequested)
        {
            // Stopped mid-request.
        }

        Assert.True(hello.PerSecond > 0);
        Assert.Equal(0, hello.ErrorsPerSecond);
        Assert.True(fail.ErrorsPerSecond > 0);
        Assert.Equal(fail.PerSecond, fail.ErrorsPerSecond);
        Assert.All(new[] { hello, fail, sample.Requests!.Total }, row =>
        {
            Assert.NotNull(row.P50Milliseconds);
            Assert.True(row.P50Milliseconds > 0 && row.P50Milliseconds <= row.P99Milliseconds, $"p50 {row.P50Milliseconds} ms, p99 {row.P99Milliseconds} ms");
        });
        // The rows add up to the total, and the open event stream is none of them.
        Assert.Equal(sample.Requests.Total.PerSecond, sample.Requests.Routes.Sum(r => r.PerSecond), precision: 6);
        Assert.DoesNotContain(sample.Requests.Routes, r => r.Route?.EndsWith("/events", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Request_figures_are_the_apps_own_and_not_another_apps_in_the_same_process()
    {
        await using TestHost watched = await StartAsync(LoopBackendKind.Epoll);
        WebApplication otherApp = TestHost.CreateBuilder().Build();
        otherApp.MapGet("/other", () => "other");
        await using TestHost other = await TestHost.StartAsync(otherApp);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = watched.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using HttpClient otherClient = new() { BaseAddress = other.BaseAddress, Timeout = TestHost.Timeout };
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        await using EventStream stream = await EventStream.OpenAsync(client, timeout.Token);
        IAsyncEnumerator<SseItem<string>> events = stream.Events;
        Assert.True(await events.MoveNextAsync());
        await NextSampleAsync(events);

        // The other app's requests, then one of the watched app's as a marker: the sample that has the marker has had
        // time to see the other app's too (they ended earlier), and must not.
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("other", await otherClient.GetStringAsync("/other", timeout.Token));
        }

        Assert.Equal("hello", await client.GetStringAsync("/hello", timeout.Token));
        List<DashboardRoute> seen = [];
        while (!seen.Any(r => r.Route == "/hello"))
        {
            seen.AddRange((await NextSampleAsync(events)).Requests?.Routes ?? []);
        }

        Assert.DoesNotContain(seen, r => r.Route == "/other");
    }

    [Fact]
    public async Task With_Zokio_disabled_the_dashboard_says_so_and_lists_no_loop()
    {
        WebApplication app = TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Enabled=false"]).Build();
        app.MapZokioDashboard();
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        DashboardSnapshot snapshot = (await client.GetFromJsonAsync<DashboardSnapshot>("/zokio/snapshot", s_json))!;

        Assert.Equal("disabled", snapshot.State);
        Assert.Contains("Zokio:Enabled=false", snapshot.Message);
        Assert.Empty(snapshot.Loops);
    }

    [Fact]
    public async Task With_Kestrels_Sockets_transport_serving_the_dashboard_still_counts_requests()
    {
        WebApplication app = TestHost.CreateZokioBuilder(LoopBackendKind.Epoll, args: ["--Zokio:Enabled=false"]).Build();
        app.MapGet("/hello", () => "hello");
        app.MapZokioDashboard("/zokio", new ZokioDashboardOptions(), TimeSpan.FromMilliseconds(50));
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using CancellationTokenSource timeout = new(TestHost.Timeout);
        await using EventStream stream = await EventStream.OpenAsync(client, timeout.Token);
        IAsyncEnumerator<SseItem<string>> events = stream.Events;
        Assert.True(await events.MoveNextAsync());
        await NextSampleAsync(events);

        Assert.Equal("hello", await client.GetStringAsync("/hello", timeout.Token));
        DashboardSnapshot sample;
        do
        {
            sample = await NextSampleAsync(events);
        }
        while (sample.Requests?.Routes.Any(r => r.Route == "/hello") != true);

        Assert.Equal("disabled", sample.State);
        Assert.Empty(sample.Loops);
    }

    [Fact]
    public void Mapping_the_dashboard_without_Zokio_registered_says_what_to_call()
    {
        using WebApplication app = TestHost.CreateBuilder().Build();

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => app.MapZokioDashboard());

        Assert.Contains("UseZokio()", exception.Message);
    }

    [Fact]
    public void Rates_are_deltas_over_the_interval_and_a_restarted_counter_counts_from_zero()
    {
        LoopSnapshot before = new(0, LoopBackendKind.IoUring, 3, 100, 0, 1_000, 2_000, 50, 400, 100, 300, 0, 0, 0, 0, 4, 65536);
        // A hand-off replaced the backend: enters and submissions restarted and are now below their previous values.
        LoopSnapshot after = before with { ConnectionsAccepted = 120, BytesReceived = 5_000, BytesSent = 2_000, Completions = 460, Enters = 20, Submissions = 50 };

        DashboardLoop row = DashboardLoop.From(after, before, seconds: 2);

        Assert.Equal(10, row.AcceptedPerSecond);
        Assert.Equal(2_000, row.BytesReceivedPerSecond);
        Assert.Equal(0, row.BytesSentPerSecond);
        Assert.Equal(3, row.CompletionsPerEnter);
        Assert.Equal(2.5, row.SubmissionsPerEnter);
        Assert.Null(DashboardLoop.From(after, previous: null, seconds: 0).AcceptedPerSecond);
        Assert.Null(DashboardLoop.From(after, after, seconds: 1).CompletionsPerEnter);
    }

    private static async Task<TestHost> StartAsync(LoopBackendKind backend)
    {
        WebApplication app = TestHost.CreateZokioBuilder(backend).Build();
        app.MapGet("/hello", () => "hello");
        app.MapGet("/fail", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
        app.MapZokioDashboard("/zokio", new ZokioDashboardOptions(), TimeSpan.FromMilliseconds(50));
        return await TestHost.StartAsync(app);
    }

    /// <summary>The samples the dashboard page carries for its script to draw at load.</summary>
    private static async Task<DashboardSnapshot[]> PageSamplesAsync(HttpClient client, CancellationToken cancellationToken)
    {
        string html = await client.GetStringAsync("/zokio", cancellationToken);
        Match samples = Regex.Match(html, "<body data-samples=\"(?<json>[^\"]*)\">");
        Assert.True(samples.Success, "the page has no data-samples attribute on its body");
        return JsonSerializer.Deserialize<DashboardSnapshot[]>(WebUtility.HtmlDecode(samples.Groups["json"].Value), s_json)!;
    }

    private static async Task<DashboardSnapshot> NextSampleAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        Assert.True(await events.MoveNextAsync(), "the event stream ended");
        Assert.Equal("sample", events.Current.EventType);
        return JsonSerializer.Deserialize<DashboardSnapshot>(events.Current.Data, s_json)!;
    }

    /// <summary>The dashboard's event stream, open; disposing it closes the stream.</summary>
    private sealed class EventStream(HttpResponseMessage response, Stream body, IAsyncEnumerator<SseItem<string>> events) : IAsyncDisposable
    {
        public HttpResponseMessage Response { get; } = response;

        public IAsyncEnumerator<SseItem<string>> Events { get; } = events;

        public static async Task<EventStream> OpenAsync(HttpClient client, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await client.GetAsync("/zokio/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new EventStream(response, body, SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken));
        }

        public async ValueTask DisposeAsync()
        {
            await Events.DisposeAsync();
            await body.DisposeAsync();
            Response.Dispose();
        }
    }
}
