using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Io;

/// <summary>
/// What a loop's backend becomes once the loop has stopped: every operation completes at once with what
/// <see cref="IoOperation.ExecuteOnStoppedLoop"/> says (ECANCELED; a close still closes), so code that still runs for
/// the loop's connections (a late close, a late send) ends instead of waiting forever or touching a closed ring.
/// </summary>
internal sealed class ClosedBackend(LoopBackendKind kind) : LoopBackend
{
    public override LoopBackendKind Kind => kind;

    public override string Description => "stopped";

    public override long Enters => 0;

    public override long Submitted => 0;

    public override void Submit(IoOperation operation)
    {
        operation.InFlight = false;
        operation.Complete(operation.ExecuteOnStoppedLoop());
    }

    public override void Cancel(IoOperation operation)
    {
    }

    public override int Poll(bool block, long timeoutNanoseconds) => 0;

    public override void Wake()
    {
    }

    public override void Dispose()
    {
    }
}
