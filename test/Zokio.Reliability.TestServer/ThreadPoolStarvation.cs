namespace Zokio.Reliability.TestServer;

/// <summary>
/// Blocks every worker thread of the thread pool and caps the pool at that many, so no queued work item runs until
/// <see cref="End"/>: what handlers that block on the thread pool do to a server, made deterministic.
/// </summary>
internal sealed class ThreadPoolStarvation
{
    private readonly ManualResetEventSlim _fed = new();
    private int _minWorkers;
    private int _maxWorkers;
    private int _maxIo;

    /// <summary>Returns once every worker the pool may have is blocked.</summary>
    public void Start()
    {
        ThreadPool.GetMaxThreads(out _maxWorkers, out _maxIo);
        // The pool refuses a maximum below the processor count or below its minimum, so the minimum comes down first.
        int workers = Environment.ProcessorCount;
        ThreadPool.GetMinThreads(out _minWorkers, out int minIo);
        if (!ThreadPool.SetMinThreads(workers, minIo) || !ThreadPool.SetMaxThreads(workers, _maxIo))
        {
            throw new InvalidOperationException($"The thread pool refused a maximum of {workers} workers.");
        }

        // Blocks workers one at a time until a work item finds none to run it, however many threads the pool had when
        // its maximum came down. That last item runs once fed, and returns at once.
        while (true)
        {
            ManualResetEventSlim started = new();
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                started.Set();
                _fed.Wait();
            }, null);
            if (!started.Wait(TimeSpan.FromMilliseconds(500)))
            {
                return;
            }
        }
    }

    /// <summary>Lets the blocked workers go and gives the pool its old limits back.</summary>
    public void End()
    {
        _fed.Set();
        ThreadPool.SetMaxThreads(_maxWorkers, _maxIo);
        ThreadPool.GetMinThreads(out _, out int minIo);
        ThreadPool.SetMinThreads(_minWorkers, minIo);
    }
}
