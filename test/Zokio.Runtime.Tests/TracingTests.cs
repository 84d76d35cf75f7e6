using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Net;
using System.Runtime.CompilerServices;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>The "Zokio" event source and the per-loop tag of the "Zokio" meter, read as dotnet-trace and dotnet-counters would.</summary>
public class TracingTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Each_loop_reports_its_start_with_the_backend_and_its_stop(LoopBackendKind backend)
    {
        using ZokioEventListener listener = new();
        EventLoopGroup group = Backends.Start(backend, loops: 2);
        await group.DisposeAsync();

        EventWrittenEventArgs[] started = [.. listener.Events.Where(e => e.EventName == "LoopStarted")];
        Assert.Equal([0, 1], started.Select(e => (int)ZokioEventListener.Payload(e, "loopIndex")!).Order());
        Assert.All(started, e =>
        {
            Assert.Equal(backend.ToString(), ZokioEventListener.Payload(e, "backend"));
            Assert.Equal(EventLevel.Informational, e.Level);
            Assert.True((e.Keywords & ZokioEventSource.Keywords.Loops) != 0);
        });
        Assert.StartsWith(backend == LoopBackendKind.IoUring ? "io_uring" : "epoll", (string)ZokioEventListener.Payload(started[0], "description")!);
        Assert.Equal([0, 1], listener.Events.Where(e => e.EventName == "LoopStopped").Select(e => (int)ZokioEventListener.Payload(e, "loopIndex")!).Order());
    }

    [Theory]
    [InlineData(LoopBackendKind.IoUring, ApplicationScheduling.Loop, "LoopStalled")]
    [InlineData(LoopBackendKind.Epoll, ApplicationScheduling.Loop, "LoopStalled")]
    [InlineData(LoopBackendKind.IoUring, ApplicationScheduling.Adaptive, "LoopHandedOff")]
    [InlineData(LoopBackendKind.Epoll, ApplicationScheduling.Adaptive, "LoopHandedOff")]
    public async Task Blocking_application_work_is_traced_with_its_loop_and_label(LoopBackendKind backend, ApplicationScheduling scheduling, string expected)
    {
        using ZokioEventListener listener = new();
        await using EventLoopGroup group = Backends.Start(backend, configure: o =>
        {
            o.ApplicationScheduling = scheduling;
            o.StallThreshold = TimeSpan.FromMilliseconds(20);
        });
        EventLoop loop = group.Loops[0];
        using ManualResetEventSlim release = new();
        loop.ScheduleApplication(_ =>
        {
            loop.ApplicationContext = "GET /traced";
            // The point of the test: application code that blocks the loop thread until the event is seen.
            release.Wait(Backends.Timeout);
            loop.ApplicationContext = null;
        }, null);

        EventWrittenEventArgs stalled = await listener.WaitForAsync(expected);
        release.Set();
        Assert.Equal(0, ZokioEventListener.Payload(stalled, "loopIndex"));
        Assert.Equal("GET /traced", ZokioEventListener.Payload(stalled, "label"));
        Assert.True((long)ZokioEventListener.Payload(stalled, "elapsedMs")! >= 20);
        Assert.Equal(EventLevel.Warning, stalled.Level);
        if (scheduling == ApplicationScheduling.Adaptive)
        {
            await listener.WaitForAsync("LoopRecovered", e => (int)ZokioEventListener.Payload(e, "loopIndex")! == 0);
        }
    }

    [Fact]
    public void Accept_failures_carry_the_endpoint_and_the_error_text()
    {
        using ZokioEventListener listener = new();
        ZokioEventSource.Log.AcceptFailed(new IPEndPoint(IPAddress.Loopback, 8080), -Native.Interop.Errno.EMFILE);
        EventWrittenEventArgs failed = Assert.Single(listener.Events, e => e.EventName == "AcceptFailed");
        Assert.Equal("127.0.0.1:8080", ZokioEventListener.Payload(failed, "endPoint"));
        Assert.Equal(Native.Interop.Errno.EMFILE, ZokioEventListener.Payload(failed, "errno"));
        Assert.Equal("Too many open files", ZokioEventListener.Payload(failed, "error"));
        Assert.Equal(EventLevel.Error, failed.Level);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Every_instrument_reports_each_loop_under_the_zokio_loop_tag(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend, loops: 2);
        // Timers on loop 1 only: each wait is at least one more iteration of that loop, and of no other.
        await group.Loops[1].Spawn(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                await EventLoop.Current!.Delay(TimeSpan.FromMilliseconds(1));
            }
        }).WaitAsync(Backends.Timeout);

        Dictionary<(string Instrument, int Loop), long> values = [];
        RuntimeHelpers.RunClassConstructor(typeof(ZokioMetrics).TypeHandle);
        using (MeterListener meter = new())
        {
            meter.InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == ZokioMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            meter.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                KeyValuePair<string, object?> tag = Assert.Single(tags.ToArray());
                Assert.Equal(ZokioMetrics.LoopTag, tag.Key);
                values[(instrument.Name, (int)tag.Value!)] = value;
            });
            meter.Start();
            meter.RecordObservableInstruments();
        }

        Assert.Equal(18, values.Keys.Select(k => k.Instrument).Distinct().Count());
        Assert.All(values.Keys.Select(k => k.Instrument).Distinct(), name => Assert.True(values.ContainsKey((name, 0)) && values.ContainsKey((name, 1)), $"{name} is not reported per loop."));
        Assert.True(values[("zokio.loop.iterations", 1)] >= 10, "Loop 1's ten timer waits are not in its own iterations.");
        Assert.True(values[("zokio.loop.iterations", 1)] > values[("zokio.loop.iterations", 0)], "The idle loop 0 iterated more than the busy loop 1: the tags are mixed up.");
    }
}
