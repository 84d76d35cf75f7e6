using System.Runtime.CompilerServices;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Internal;

/// <summary><c>await new LoopSwitch(loop)</c> continues on the loop's thread (at once when already there); allocates nothing.</summary>
internal readonly struct LoopSwitch(EventLoop loop) : ICriticalNotifyCompletion
{
    public bool IsCompleted => loop.IsOnLoopThread;

    public LoopSwitch GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => loop.Schedule(static state => ((Action)state!)(), continuation);

    public void UnsafeOnCompleted(Action continuation) => OnCompleted(continuation);
}
