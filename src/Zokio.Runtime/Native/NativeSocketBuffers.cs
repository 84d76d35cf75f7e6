using System.Buffers;
using System.Runtime.InteropServices;
using Zokio.Runtime.Io;

namespace Zokio.Runtime.Native;

/// <summary>
/// The native memory a socket's send points the kernel at: a msghdr with its iovec array. Rented from the loop for the
/// duration of one send, freed (or pooled) only when no operation is in flight. A direct send (<see cref="SendNow"/>)
/// needs none: its msghdr lives on the caller's stack for the one syscall.
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
        _pinned = Pin(buffers, _pins, Vectors, out long total);
        *Message = default;
        Message->Iov = Vectors;
        Message->IovLen = (nuint)_pinned;
        return total;
    }

    /// <summary>Drops the pins of the last send; call once the kernel is done with it.</summary>
    public void ReleasePins()
    {
        Unpin(_pins, _pinned);
        _pinned = 0;
    }

    // Pins for sends made by SendNow, per thread: a send from any thread needs no loop's buffers and allocates nothing.
    [ThreadStatic]
    private static MemoryHandle[]? t_pins;

    /// <summary>
    /// One sendmsg(2) with MSG_DONTWAIT of up to <see cref="MaxIoVectors"/> segments of <paramref name="buffers"/>, on
    /// the calling thread (any thread), with the msghdr and iovecs on its stack: the bytes sent, or the error (EAGAIN
    /// when the socket buffer is full).
    /// </summary>
    public static IoResult SendNow(int fd, in ReadOnlySequence<byte> buffers)
    {
        MemoryHandle[] pins = t_pins ??= new MemoryHandle[MaxIoVectors];
        Interop.IoVec* vectors = stackalloc Interop.IoVec[MaxIoVectors];
        int count = Pin(buffers, pins, vectors, out _);
        try
        {
            Interop.MsgHdr message = default;
            message.Iov = vectors;
            message.IovLen = (nuint)count;
            return IoResult.FromSyscall(Interop.Sys.SendMsg(fd, &message, Interop.Sys.MSG_DONTWAIT | Interop.Sys.MSG_NOSIGNAL));
        }
        finally
        {
            Unpin(pins, count);
        }
    }

    private static int Pin(in ReadOnlySequence<byte> buffers, MemoryHandle[] pins, Interop.IoVec* vectors, out long total)
    {
        total = 0;
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

            // Pool blocks pin for free (pinned heap); other memory gets a GCHandle until it is unpinned.
            MemoryHandle pin = segment.Pin();
            pins[count] = pin;
            vectors[count].Base = pin.Pointer;
            vectors[count].Length = (nuint)segment.Length;
            total += segment.Length;
            count++;
        }

        return count;
    }

    private static void Unpin(MemoryHandle[] pins, int count)
    {
        for (int i = 0; i < count; i++)
        {
            pins[i].Dispose();
            pins[i] = default;
        }
    }

    /// <summary>The address of pinned memory, for receive buffers.</summary>
    public static nint AddressOf(in MemoryHandle pin) => (nint)pin.Pointer;

    public void Dispose()
    {
        ReleasePins();
        NativeMemory.Free(_block);
    }
}
