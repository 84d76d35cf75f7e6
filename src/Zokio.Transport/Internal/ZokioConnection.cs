using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Net;

namespace Zokio.Transport.Internal;

/// <summary>
/// One connection on one event loop: a receive loop filling the input pipe and a send loop draining the output pipe,
/// both running on the loop thread, with the completion semantics of Kestrel's Sockets transport.
/// </summary>
internal sealed partial class ZokioConnection : ConnectionContext
{
    private readonly LoopSocket _socket;
    private readonly ILogger _logger;
    private readonly bool _finOnError;
    private readonly IDuplexPipe _originalTransport;
    private readonly CancellationTokenSource _connectionClosedTokenSource = new();
    // Continuations run where ConnectionClosed fired (the loop, or the thread pool), as on the Sockets transport: the
    // receive loop then ends there without one more hop.
    private readonly TaskCompletionSource _waitForConnectionClosed = new();
    private readonly Lock _shutdownLock = new();
    private IDictionary<object, object?>? _items;
    private string? _connectionId;
    private volatile Exception? _shutdownReason;
    private volatile bool _shutdown;
    private bool _connectionClosedFired;
    private Task? _processing;

    public ZokioConnection(LoopSocket socket, ZokioTransportOptions options, ILogger logger)
    {
        _socket = socket;
        _socket.WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer;
        _logger = logger;
        _finOnError = options.FinOnError;
        Loop = socket.Loop;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _connectionClosedTokenSource.Token;

        // The loop is the scheduler of the transport's side of both pipes; the application's side follows
        // ApplicationScheduling (the loop, the thread pool, or adaptive). Sending from a thread that flushes off the
        // loop (running the send loop inline there) was measured: h2c fell to 0.5x of the loop sending (h2load -c64
        // -m16, pinned), since Kestrel's HTTP/2 frame writer then makes one syscall per flush, partly under its lock.
        // Doing so only while the loop sleeps (so no flush wakes it) was no better: the loop sleeps through most of
        // HTTP/2's flushes, and h2load -c16 -m8 made 1.2 syscalls per request instead of 0.1-0.2 (4702ebb).
        PipeScheduler application = Loop.ApplicationScheduler;
        PipeOptions inputOptions = new(Loop.MemoryPool, application, Loop, options.MaxReadBufferSize, options.MaxReadBufferSize / 2, useSynchronizationContext: false);
        PipeOptions outputOptions = new(Loop.MemoryPool, Loop, application, options.MaxWriteBufferSize, options.MaxWriteBufferSize / 2, useSynchronizationContext: false);
        Pipe input = new(inputOptions);
        Pipe output = new(outputOptions);
        Input = input.Writer;
        Output = output.Reader;
        Transport = _originalTransport = new DuplexPipe(input.Reader, output.Writer);
        Application = new DuplexPipe(output.Reader, input.Writer);
        Features = CreateFeatures();
    }

    /// <summary>The loop that owns this connection for its whole life.</summary>
    public EventLoop Loop { get; }

    public override string ConnectionId
    {
        get => _connectionId ??= _socket.Id;
        set => _connectionId = value;
    }

    public override IDuplexPipe Transport { get; set; }

    /// <summary>The transport's ends of the pipes: it writes received bytes to Output and sends what it reads from Input.</summary>
    public IDuplexPipe Application { get; }

    private PipeWriter Input { get; }

    private PipeReader Output { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>Starts receiving and sending, on the loop thread (scheduled there when called elsewhere).</summary>
    public void Start()
    {
        if (!Loop.IsOnLoopThread)
        {
            Loop.Schedule(static state => ((ZokioConnection)state!).Start(), this);
            return;
        }

        _processing = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            Task receiving = DoReceive();
            Task sending = DoSend();
            await receiving.ConfigureAwait(false);
            await sending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            TransportLog.UnexpectedError(_logger, ConnectionId, ex);
        }
        finally
        {
            // Both loops have ended: the socket closes on its loop once the kernel holds none of its operations.
            _socket.Dispose();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Shut down first so _shutdownReason is set before the send loop sees its read canceled.
        Shutdown(abortReason);
        Output.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        // The pipes this transport made, not whatever Transport holds now: connection middleware may have replaced it.
        _originalTransport.Input.Complete();
        _originalTransport.Output.Complete();
        if (_processing is not null)
        {
            await _processing.ConfigureAwait(false);
        }

        _connectionClosedTokenSource.Dispose();
    }

    /// <summary>
    /// Records why the connection ends (the first reason wins) and ends the socket's pending operations: with a FIN
    /// when the send loop completed gracefully (<paramref name="reason"/> null) or <see cref="ZokioTransportOptions.FinOnError"/>
    /// is set, otherwise with an RST, as Kestrel's Sockets transport does. The fd itself is closed only after both loops
    /// finish, so no operation ever targets a reused fd number.
    /// </summary>
    private void Shutdown(Exception? reason)
    {
        bool reset;
        lock (_shutdownLock)
        {
            if (_shutdown)
            {
                return;
            }

            _shutdownReason = reason ?? new ConnectionAbortedException("The Zokio transport's send loop completed gracefully.");
            _shutdown = true;
            reset = !_finOnError && reason is not null;
            if (reset)
            {
                TransportLog.ConnectionWriteRst(_logger, ConnectionId, _shutdownReason.Message);
            }
            else
            {
                TransportLog.ConnectionWriteFin(_logger, ConnectionId, _shutdownReason.Message);
            }
        }

        Loop.Schedule(reset ? s_reset : s_finish, this);
    }

    private static readonly Action<object?> s_finish = static state => ((ZokioConnection)state!)._socket.Shutdown();

    // The close, once both loops have ended, sends the RST and drops what the socket has not sent.
    private static readonly Action<object?> s_reset = static state => ((ZokioConnection)state!)._socket.Abort();

    private void FireConnectionClosed()
    {
        if (_connectionClosedFired)
        {
            return;
        }

        _connectionClosedFired = true;
        if (Loop.ApplicationScheduler == PipeScheduler.ThreadPool)
        {
            // The application runs on the thread pool: so do the ConnectionClosed callbacks, as on the Sockets transport.
            ThreadPool.UnsafeQueueUserWorkItem(static connection => connection.CancelConnectionClosed(), this, preferLocal: false);
            return;
        }

        // The application runs on this loop: tell Kestrel now, before the loop runs any more of it, so it sees the bytes
        // and the end of the connection in the order they arrived (a request followed by the client's FIN is then
        // aborted before it can answer, as on the Sockets transport, not cut off halfway through its response).
        CancelConnectionClosed();
    }

    private void CancelConnectionClosed()
    {
        try
        {
            _connectionClosedTokenSource.Cancel();
        }
        catch (Exception ex)
        {
            TransportLog.UnexpectedError(_logger, ConnectionId, ex);
        }

        _waitForConnectionClosed.TrySetResult();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
