using System.Globalization;

namespace Zokio.Bench;

/// <summary>
/// The ticks the hypervisor ran other guests on a CPU instead of this machine (the steal column of /proc/stat) and all
/// its ticks: the server's core when pinned, every CPU otherwise. Steal is host noise made visible: the run lost that
/// share of its core to another machine, and such a host usually slows the rest down too.
/// </summary>
internal readonly record struct CpuSteal(long Steal, long Total)
{
    public static CpuSteal Read(bool pinned) =>
        Parse(File.ReadLines("/proc/stat"), pinned ? "cpu0" : "cpu");

    public static CpuSteal Parse(IEnumerable<string> procStat, string cpu)
    {
        var line = procStat.First(l => l.StartsWith(cpu + " ", StringComparison.Ordinal));
        // cpu user nice system idle iowait irq softirq steal ...
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return new CpuSteal(ticks[7], ticks.Sum());
    }

    /// <summary>Percent of the ticks between <paramref name="before"/> and this sample that were stolen.</summary>
    public double PercentSince(CpuSteal before) =>
        Total > before.Total ? (double)(Steal - before.Steal) / (Total - before.Total) * 100 : 0;
}
