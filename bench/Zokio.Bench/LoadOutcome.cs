using System.Globalization;

namespace Zokio.Bench;

/// <summary>
/// What one load run measured, parsed from the load tool's output. <see cref="Failure"/> is set on any error (the
/// numbers are still kept, and recorded with the failed run).
/// </summary>
internal sealed record LoadOutcome(
    double? RequestsPerSec, double? P50Ms, double? P99Ms, IReadOnlyDictionary<string, long> Errors, long Requests, string? Failure)
{
    public static LoadOutcome Failed(string reason) => new(null, null, null, new Dictionary<string, long>(), 0, reason);

    /// <summary>A fixed-rate run compares latency at equal load only if every server really carried that load.</summary>
    public LoadOutcome CheckRate(int? rate) =>
        Failure is null && rate is { } target && (RequestsPerSec ?? 0) < 0.95 * target
            ? this with
            {
                Failure = string.Create(CultureInfo.InvariantCulture,
                    $"served {RequestsPerSec} req/s of the fixed {target}: not an equal-load comparison (lower --rate below this server's maximum)"),
            }
            : this;

    /// <summary>The output's last characters on one line, for a failure reason.</summary>
    public static string Tail(string output) =>
        output[Math.Max(0, output.Length - 300)..].Replace('\n', ' ');
}
