using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Zokio.Runtime.Diagnostics;

namespace Zokio.Testing;

/// <summary>Reads the observable instruments of the "Zokio" meter on demand, as dotnet-counters would.</summary>
public sealed class ZokioMeterReader : IDisposable
{
    // Names of the instruments the tests read (README, Metrics).
    public const string ConnectionsAccepted = "zokio.connections.accepted";
    public const string ConnectionsActive = "zokio.connections.active";
    public const string LoopHandOffs = "zokio.loop.handoffs";
    public const string MemoryOutstanding = "zokio.memory.outstanding";

    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _values = [];
    private readonly HashSet<string> _published = [];
    private readonly Lock _lock = new();

    public ZokioMeterReader()
    {
        // The instruments are created by ZokioMetrics' static constructor; run it so they are published to this listener now.
        RuntimeHelpers.RunClassConstructor(typeof(ZokioMetrics).TypeHandle);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ZokioMetrics.MeterName)
            {
                _published.Add(instrument.Name);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // One measurement per loop (tag zokio.loop): the reader reports their sum, 0 while no loop runs.
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _values[instrument.Name] = _values.GetValueOrDefault(instrument.Name) + value);
        _listener.Start();
    }

    public long Read(string instrument)
    {
        lock (_lock)
        {
            _values.Clear();
            _listener.RecordObservableInstruments();
            return _published.Contains(instrument)
                ? _values.GetValueOrDefault(instrument)
                : throw new InvalidOperationException($"The Zokio meter published no instrument named {instrument}.");
        }
    }

    public void Dispose() => _listener.Dispose();
}
