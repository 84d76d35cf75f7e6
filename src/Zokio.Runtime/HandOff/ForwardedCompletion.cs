using Zokio.Runtime.Io;

namespace Zokio.Runtime.HandOff;

/// <summary>
/// A completion a handed-off thread's backend still held, moved to the loop's current thread by token: the operation
/// itself is only touched there.
/// </summary>
/// <param name="Token">The submission it completes; stale when the operation was submitted again since.</param>
/// <param name="Result">The kernel's result.</param>
/// <param name="More">True when more completions of the same submission follow (a multishot receive's bytes).</param>
/// <param name="Received">A multishot receive's bytes, copied out of the old ring's buffer; null otherwise.</param>
internal readonly record struct ForwardedCompletion(OperationToken Token, IoResult Result, bool More, byte[]? Received);
