namespace Zokio.Runtime.Loops;

/// <summary>Where application code (request parsing and handlers) runs.</summary>
public enum ApplicationScheduling
{
    /// <summary>
    /// On the loop when it runs fast; while a handler blocks the loop past the stall threshold, a new thread takes over
    /// the loop's I/O and its application work goes to the thread pool until the handler returns.
    /// </summary>
    Adaptive,

    /// <summary>
    /// Always on the loop that owns the connection: no thread hop, but a handler that blocks stalls every connection
    /// of its loop (the stall detector reports it).
    /// </summary>
    Loop,

    /// <summary>On the .NET thread pool, as Kestrel's Sockets transport does; for applications that block.</summary>
    ThreadPool,
}
