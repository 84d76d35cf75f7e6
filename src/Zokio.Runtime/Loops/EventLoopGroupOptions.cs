namespace Zokio.Runtime.Loops;

/// <summary>Settings of an <see cref="EventLoopGroup"/>.</summary>
public class EventLoopGroupOptions
{
    /// <summary>The largest loop count accepted.</summary>
    public const int MaxLoopCount = 1024;

    /// <summary>How many loops (threads, rings) to run.</summary>
    /// <remarks>Defaults to <see cref="Environment.ProcessorCount"/>, the cores this process may use.</remarks>
    public int LoopCount { get; set; } = Environment.ProcessorCount;

    /// <summary>Which kernel interface the loops use.</summary>
    /// <remarks>Defaults to <see cref="LoopBackendKind.Auto"/>: io_uring, or epoll where io_uring is unavailable.</remarks>
    public LoopBackendKind Backend { get; set; } = LoopBackendKind.Auto;

    /// <summary>Submission queue entries per io_uring ring; a power of two from 2 to 32768. The completion queue is four times larger.</summary>
    /// <remarks>Defaults to 4096.</remarks>
    public int RingEntries { get; set; } = 4096;

    /// <summary>
    /// Receive buffers of 16 KiB per io_uring loop, shared by its connections: each connection then receives with one
    /// multishot request, where the kernel picks a buffer only when bytes arrive (an idle connection holds none).
    /// A power of two from 1 to 32768, or 0 to wait for readiness and recv into the connection's own memory instead.
    /// </summary>
    /// <remarks>
    /// Defaults to 128 (2 MiB per loop). A connection gives each buffer back as soon as its bytes are copied into its
    /// input pipe; when a burst finds none free, that connection reads what is waiting with direct recv calls and goes
    /// on. Kernels before 6.0 and the epoll backend always use poll + recv.
    /// </remarks>
    public int ReceiveBuffers { get; set; } = 128;

    /// <summary>
    /// Pins loop <c>i</c> to the <c>i</c>-th CPU (modulo their count) of those this process may run on: its affinity
    /// mask, as set by <c>taskset</c> or a container's cpuset.
    /// </summary>
    /// <remarks>
    /// Defaults to false. Pinning helps on dedicated machines; on shared ones it can put two busy loops on one core.
    /// </remarks>
    public bool PinThreads { get; set; }

    /// <summary>Where application work runs.</summary>
    /// <remarks>Defaults to <see cref="ApplicationScheduling.Adaptive"/>.</remarks>
    public ApplicationScheduling ApplicationScheduling { get; set; } = ApplicationScheduling.Adaptive;

    /// <summary>How long one piece of application work may run on a loop before it counts as a stall; 1 ms to 1 minute.</summary>
    /// <remarks>Defaults to 100 ms.</remarks>
    public TimeSpan StallThreshold { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Lets a loop with nothing to do take work started with <c>Spawn</c> that is waiting in a busy loop's queue: half
    /// of the waiting tasks at a time, from a loop chosen at random. The stolen tasks run on the thief, and their
    /// <c>await</c>s resume there.
    /// </summary>
    /// <remarks>
    /// Defaults to true. Only spawned work that has not started moves: I/O completions, work queued with
    /// <see cref="EventLoop.Schedule"/>, a connection's pipe callbacks and posts to a loop's
    /// <see cref="SynchronizationContext"/> always run on their own loop, so each connection's order holds. Turn it
    /// off when spawned work must start on the loop it was given to (it reads that loop's state, say).
    /// </remarks>
    public bool WorkStealing { get; set; } = true;

    /// <summary>Records the stack of every memory block rented and reports blocks never returned when a pool is disposed.</summary>
    /// <remarks>Defaults to false: each rent then captures a stack trace, which is slow. For debugging leaks.</remarks>
    public bool TrackMemoryLeaks { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting, its value and the valid range.</summary>
    /// <param name="prefix">Prefix for option names in messages, such as "Zokio:".</param>
    public virtual void Validate(string prefix = "")
    {
        if (LoopCount < 1 || LoopCount > MaxLoopCount)
        {
            throw new ArgumentOutOfRangeException(nameof(LoopCount), LoopCount, $"{prefix}{nameof(LoopCount)} must be between 1 and {MaxLoopCount}; got {LoopCount}.");
        }

        if (RingEntries < 2 || RingEntries > 32768 || (RingEntries & (RingEntries - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RingEntries), RingEntries, $"{prefix}{nameof(RingEntries)} must be a power of two between 2 and 32768; got {RingEntries}.");
        }

        if (ReceiveBuffers < 0 || ReceiveBuffers > 32768 || (ReceiveBuffers & (ReceiveBuffers - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBuffers), ReceiveBuffers, $"{prefix}{nameof(ReceiveBuffers)} must be 0 or a power of two between 1 and 32768; got {ReceiveBuffers}.");
        }

        if (!Enum.IsDefined(Backend))
        {
            throw new ArgumentOutOfRangeException(nameof(Backend), Backend, $"{prefix}{nameof(Backend)} must be one of {string.Join(", ", Enum.GetNames<LoopBackendKind>())}; got {Backend}.");
        }

        if (!Enum.IsDefined(ApplicationScheduling))
        {
            throw new ArgumentOutOfRangeException(nameof(ApplicationScheduling), ApplicationScheduling, $"{prefix}{nameof(ApplicationScheduling)} must be one of {string.Join(", ", Enum.GetNames<ApplicationScheduling>())}; got {ApplicationScheduling}.");
        }

        if (StallThreshold < TimeSpan.FromMilliseconds(1) || StallThreshold > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(StallThreshold), StallThreshold, $"{prefix}{nameof(StallThreshold)} must be between 00:00:00.001 and 00:01:00; got {StallThreshold}.");
        }
    }
}
