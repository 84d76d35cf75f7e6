using System.Runtime.CompilerServices;

namespace Zokio.Runtime.Loops;

/// <summary>What <see cref="EventLoop.Yield"/> returns: awaiting it re-queues the rest of the method on the same loop.</summary>
public readonly struct LoopYieldAwaitable
{
    private readonly EventLoop _loop;

    internal LoopYieldAwaitable(EventLoop loop) => _loop = loop;

    /// <summary>Gets the awaiter (called by <c>await</c>).</summary>
    public Awaiter GetAwaiter() => new(_loop);

    /// <summary>The awaiter of <see cref="LoopYieldAwaitable"/>.</summary>
    public readonly struct Awaiter : ICriticalNotifyCompletion
    {
        private static readonly Action<object?> s_runContinuation = static state => ((Action)state!)();
        private static readonly ContextCallback s_runInContext = static state => ((Action)state!)();

        private readonly EventLoop _loop;

        internal Awaiter(EventLoop loop) => _loop = loop;

        /// <summary>Always false: a yield always queues.</summary>
        public bool IsCompleted => false;

        /// <summary>Queues <paramref name="continuation"/> on the loop, flowing the caller's <see cref="ExecutionContext"/>.</summary>
        public void OnCompleted(Action continuation)
        {
            if (RunsAsTask)
            {
                // Task.Factory.StartNew flows the context itself.
                QueueAsTask(continuation);
                return;
            }

            ExecutionContext? context = ExecutionContext.Capture();
            if (context is null)
            {
                UnsafeOnCompleted(continuation);
                return;
            }

            _loop.ScheduleApplication(static state =>
            {
                (ExecutionContext context, Action continuation) = ((ExecutionContext, Action))state!;
                ExecutionContext.Run(context, s_runInContext, continuation);
            }, (context, continuation));
        }

        /// <summary>Queues <paramref name="continuation"/> on the loop (the async method builder flows the context itself).</summary>
        public void UnsafeOnCompleted(Action continuation)
        {
            if (RunsAsTask)
            {
                QueueAsTask(continuation);
                return;
            }

            _loop.ScheduleApplication(s_runContinuation, continuation);
        }

        // With ApplicationScheduling.ThreadPool the loop thread has no SynchronizationContext: what brings the method's
        // later awaits back to the loop is TaskScheduler.Current, which is the loop's only inside a task it runs. So
        // the rest of the method runs as such a task there, as it does after any other await in that mode.
        private bool RunsAsTask => _loop.Options.ApplicationScheduling == ApplicationScheduling.ThreadPool;

        private void QueueAsTask(Action continuation) =>
            _ = Task.Factory.StartNew(continuation, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _loop.TaskScheduler);

        /// <summary>Ends the await; there is no result.</summary>
        public void GetResult()
        {
        }
    }
}
