namespace Zokio.BenchClient;

/// <summary>The server answered with other bytes than the ones it was sent: a failed run, whatever the throughput.</summary>
internal sealed class EchoMismatchException(string message) : Exception(message);
