using System.Collections.Concurrent;
using System.Diagnostics;

namespace Zokio.Runtime.Io;

/// <summary>
/// The operations of one loop by slot, so a completion's token finds its operation with one array read and is checked
/// against the operation's current generation. Shared by every backend the loop has had (a hand-off gives the loop a
/// new ring, while the old one drains), and used only by the thread that runs the loop, except
/// <see cref="Release"/>, which any thread may call.
/// </summary>
internal sealed class OperationRegistry
{
    private IoOperation?[] _operations = new IoOperation?[64];

    // The last generation issued in each slot, kept when the slot is freed: the next operation there continues the
    // count, so a token issued to the old operation can never equal one issued to the new.
    private uint[] _generations = new uint[64];
    private readonly Stack<uint> _free = new();
    private readonly ConcurrentQueue<uint> _released = new();
    private uint _nextSlot = 1;

    /// <summary>Starts a new submission of <paramref name="operation"/>: gives it a slot on first use and a new generation.</summary>
    public OperationToken Issue(IoOperation operation)
    {
        if (operation.Slot == 0)
        {
            Assign(operation);
        }

        Debug.Assert(operation.Registry == this, "An operation was submitted to two loops.");
        operation.Generation++;
        return operation.Token;
    }

    /// <summary>The operation whose current submission is <paramref name="token"/>, or null for a stale token.</summary>
    public IoOperation? Resolve(OperationToken token)
    {
        IoOperation?[] operations = _operations;
        if (token.Slot >= (uint)operations.Length)
        {
            return null;
        }

        IoOperation? operation = operations[token.Slot];
        return operation is not null && operation.Generation == token.Generation && operation.Registry == this ? operation : null;
    }

    /// <summary>Visits every operation that is in flight, for a successor re-issuing a blocked ring's waits.</summary>
    public IEnumerable<IoOperation> InFlight()
    {
        IoOperation?[] operations = _operations;
        for (uint slot = 1; slot < _nextSlot && slot < operations.Length; slot++)
        {
            if (operations[slot] is { InFlight: true, Registry: not null } operation && operation.Registry == this)
            {
                yield return operation;
            }
        }
    }

    /// <summary>Frees the slot of a disposed operation; the loop reuses it once it next assigns one.</summary>
    public void Release(IoOperation operation)
    {
        if (operation.Slot != 0)
        {
            _released.Enqueue(operation.Slot);
        }
    }

    private void Assign(IoOperation operation)
    {
        while (_released.TryDequeue(out uint released))
        {
            _generations[released] = _operations[released]!.Generation;
            _operations[released] = null;
            _free.Push(released);
        }

        if (!_free.TryPop(out uint slot))
        {
            slot = _nextSlot++;
            if (slot >= _operations.Length)
            {
                Array.Resize(ref _operations, _operations.Length * 2);
                Array.Resize(ref _generations, _operations.Length);
            }
        }

        operation.Generation = _generations[slot];

        operation.Registry = this;
        operation.Slot = slot;
        _operations[slot] = operation;
    }
}
