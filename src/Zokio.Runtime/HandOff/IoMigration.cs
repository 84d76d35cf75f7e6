using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.HandOff;

/// <summary>
/// How a handed-off loop's I/O moves from the blocked thread's thread-bound backend (an io_uring ring with
/// SINGLE_ISSUER/DEFER_TASKRUN) to the successor's: which operations the successor re-issues at once (each operation's
/// <see cref="HandOffRule"/>), how the blocked ring is drained, how its completions reach the loop's current thread,
/// and which of them are submitted again there. The backend only offers primitives: peek at its completions, cancel
/// everything, reap into a callback.
/// </summary>
/// <remarks>
/// Completions travel by token (slot + generation), never as operation references: the operation is touched only on
/// the loop's current thread, where a token that no longer resolves is a stale copy of a wait that was re-issued.
/// </remarks>
internal sealed class IoMigration(EventLoop loop)
{
    // How long the drain waits for its cancels to complete before it cancels again.
    private const long DrainWaitNanoseconds = 1_000_000_000;

    /// <summary>
    /// On the successor, with its new backend: submits there every operation whose rule lets it move at once. A
    /// readiness wait consumes nothing, so its copy left on the blocked ring is harmless (the new submission's
    /// generation makes that copy's completion stale).
    /// </summary>
    /// <remarks>
    /// A multishot receive moves too, unless the blocked ring already holds a completion of it that was never reaped:
    /// those bytes came first, so the receive stays there until the drain forwards them, in order. One that moves
    /// consumed nothing since the blocked thread's last reap (with DEFER_TASKRUN the kernel receives for it only
    /// while that thread is in io_uring_enter), and the drain's cancel stops it before it receives again.
    /// The blocked ring is only read here (its thread is asleep in application work), never consumed.
    /// </remarks>
    public void AdoptWaits(LoopBackend blocked, LoopBackend successor)
    {
        List<IoOperation> waits = [.. loop.Operations.InFlight().Where(operation => operation.HandOffRule switch
        {
            HandOffRule.Reissue => true,
            HandOffRule.ReissueUnlessCompletionPending => !blocked.HoldsCompletionOf(operation.Token),
            _ => false,
        })];
        foreach (IoOperation wait in waits)
        {
            successor.Submit(wait);
        }
    }

    /// <summary>
    /// On the blocked thread, once its application work has returned: cancels everything its backend still holds,
    /// forwards every completion to the loop's current thread, then releases the backend. The thread never lingers on
    /// a peer that does not read: what was canceled continues on the successor (<see cref="CompleteForwarded"/>).
    /// </summary>
    public void Drain(LoopBackend blocked)
    {
        blocked.CancelAll();
        while (blocked.HasRequestsInKernel)
        {
            if (!blocked.WaitAndReapDetached(DrainWaitNanoseconds, Forward))
            {
                // Something survived the cancel (a request that was just being issued): cancel again.
                blocked.CancelAll();
            }
        }

        blocked.Dispose();
    }

    /// <summary>From the blocked thread's drain: delivers the completion on the loop's current thread.</summary>
    private void Forward(ForwardedCompletion completion) =>
        loop.Schedule(static state =>
        {
            (IoMigration migration, ForwardedCompletion completion) = ((IoMigration, ForwardedCompletion))state!;
            migration.CompleteForwarded(completion);
        }, (this, completion));

    /// <summary>
    /// On the loop's current thread: completes the operation the forwarded completion belongs to, or submits it again
    /// on this thread's backend when the drain (not its owner) canceled it: it did nothing, so it continues here.
    /// </summary>
    private void CompleteForwarded(ForwardedCompletion completion)
    {
        (OperationToken token, IoResult result, bool more, byte[]? received) = completion;
        if (loop.Operations.Resolve(token) is not { } operation)
        {
            // A stale copy of a wait that was re-issued on this thread's backend.
            return;
        }

        if (operation is MultishotReceive receive && (more || received is not null))
        {
            receive.OnReceived(received);
            if (more)
            {
                receive.Signal();
                return;
            }
        }

        if (result.IsCanceled && !operation.CancelRequested)
        {
            loop.IoBackend.Submit(operation);
            return;
        }

        operation.InFlight = false;
        operation.Complete(result);
    }
}
