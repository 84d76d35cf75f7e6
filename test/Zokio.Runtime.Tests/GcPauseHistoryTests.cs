using Zokio.Runtime.Diagnostics;

namespace Zokio.Runtime.Tests;

public class GcPauseHistoryTests
{
    [Fact]
    public void Counts_the_pauses_since_the_last_sample_at_or_before_the_start()
    {
        GcPauseHistory history = new();
        history.Record(nowTicks: 1000, totalPauseMs: 10);
        history.Record(nowTicks: 1025, totalPauseMs: 10);
        history.Record(nowTicks: 1050, totalPauseMs: 310); // a 300 ms pause ended before this sample
        history.Record(nowTicks: 1075, totalPauseMs: 312);

        Assert.Equal(302, history.PausedSince(1030)); // work started after the 1025 sample: both pauses since
        Assert.Equal(2, history.PausedSince(1060));   // started after the long pause: only the later one
        Assert.Equal(0, history.PausedSince(1075));
    }

    [Fact]
    public void Work_older_than_every_sample_is_compared_with_the_oldest_and_an_empty_history_discounts_nothing()
    {
        GcPauseHistory history = new();
        Assert.Equal(0, history.PausedSince(5));

        for (int i = 0; i < 100; i++)
        {
            history.Record(nowTicks: 1000 + i, totalPauseMs: i);
        }

        // 64 samples kept: the oldest is i = 36; a pause before it is not counted, so the report is late, never lost.
        Assert.Equal(99 - 36, history.PausedSince(0));
    }
}
