using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Scheduling;

/// <summary>
/// The loop thread's <see cref="SynchronizationContext"/>: an <c>await</c> that starts on the loop resumes on it,
/// so a handler stays on the core that received its request. <c>ConfigureAwait(false)</c> opts out.
/// </summary>
internal sealed class LoopSynchronizationContext(EventLoop loop) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => loop.Post(d, state);

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (loop.IsOnLoopThread)
        {
            d(state);
            return;
        }

        using ManualResetEventSlim done = new();
        Exception? error = null;
        Post(_ =>
        {
            try
            {
                d(state);
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                done.Set();
            }
        }, null);
        done.Wait();
        if (error is not null)
        {
            throw new InvalidOperationException("A callback sent to a Zokio event loop threw.", error);
        }
    }

    public override SynchronizationContext CreateCopy() => this;
}
