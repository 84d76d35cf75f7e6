using System.Buffers;
using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

/// <summary>
/// The native memory a socket's send points the kernel at: a msghdr with its iovec array. Rented from the loop for the
/// duration of one send, freed (or pooled) only when no operation is in flight.
/// </summary>
internal sealed unsafe class NativeSocketBuffers : IDisposable
{
    /// <summary>Segments per sendmsg; a longer output sequence is sent in several calls.</summary>
    public const int MaxIoVectors = 64;

    private readonly byte* _block;
    private readonly MemoryHandle[] _pins = new MemoryHandle[MaxIoVectors];
    private int _pinned;

    public NativeSocketBuffers()
    {
        nuint size = (nuint)(sizeof(Interop.MsgHdr) + MaxIoVectors * sizeof(Interop.IoVec));
        _block = (byte*)NativeMemory.AllocZeroed(size);
    }

    private Interop.MsgHdr* Message => (Interop.MsgHdr*)_block;

    private Interop.IoVec* Vectors => (Interop.IoVec*)(_block + sizeof(Interop.MsgHdr));

    /// <summary>The msghdr address, for a SENDMSG operation.</summary>
    public nint MessageAddress => (nint)Message;

    /// <summary>Pins up to <see cref="MaxIoVectors"/> segments of <paramref name="buffers"/> into the msghdr; returns the bytes covered.</summary>
    public long PrepareSend(in ReadOnlySequence<byte> buffers)
    {
        ReleasePins();
        long total = 0;
        int count = 0;
        foreach (ReadOnlyMemory<byte> segment in buffers)
        {
            if (segment.IsEmpty)
            {
                continue;
            }

            if (count == MaxIoVectors)
            {
                break;
            }

            // Pool blocks pin for free (pinned heap); other memory gets a GCHandle until ReleasePins.
            MemoryHandle pin = segment.Pin();
            _pins[count] = pin;
            Vectors[count].Base = pin.Pointer;
            Vectors[count].Length = (nuint)segment.Length;
            total += segment.Length;
            count++;
        }

        _pinned = count;
        *Message = default;
        Message->Iov = Vectors;
        Message->IovLen = (nuint)count;
        return total;
    }

    /// <summary>Drops the pins of the last send; call once the kernel is done with it.</summary>
    public void ReleasePins()
    {
        for (int i = 0; i < _pinned; i++)
        {
            _pins[i].Dispose();
            _pins[i] = default;
        }

        _pinned = 0;
    }

    /// <summary>The address of pinned memory, for receive buffers.</summary>
    public static nint AddressOf(in MemoryHandle pin) => (nint)pin.Pointer;

    public void Dispose()
    {
        ReleasePins();
        NativeMemory.Free(_block);
    }
}
