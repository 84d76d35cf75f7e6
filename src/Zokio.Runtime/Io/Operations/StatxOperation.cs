using System.Runtime.InteropServices;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>statx(2) (STATX) of an fd itself: 0, then <see cref="Size"/> and <see cref="Mode"/> hold the answer.</summary>
internal sealed unsafe class StatxOperation : FileOperation
{
    // A struct statx to fill, followed by an empty C string: statx(fd, "", AT_EMPTY_PATH) describes the fd itself.
    private readonly byte* _scratch;
    private uint _mask;

    public StatxOperation(EventLoop loop)
        : base(loop)
    {
        _scratch = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(Interop.StatX) + 1));
    }

    public override byte Opcode => OpStatx;

    /// <summary>The size from the last call.</summary>
    public long Size => (long)Buffer->Size;

    /// <summary>The file type and mode bits from the last call.</summary>
    public int Mode => Buffer->Mode;

    private Interop.StatX* Buffer => (Interop.StatX*)_scratch;

    private byte* EmptyPath => _scratch + sizeof(Interop.StatX);

    /// <summary>Describes <paramref name="fd"/> for the statx <paramref name="mask"/>; any thread.</summary>
    public ValueTask<IoResult> StatxAsync(int fd, uint mask)
    {
        Fd = fd;
        _mask = mask;
        return StartAsync();
    }

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        // addr: the path (empty with AT_EMPTY_PATH: the fd itself); len: the mask; addr2 (off): the struct statx to fill.
        sqe->Opcode = OpStatx;
        sqe->Addr = (ulong)EmptyPath;
        sqe->Len = _mask;
        sqe->Off = (ulong)Buffer;
        sqe->OpFlags = Interop.Sys.AT_EMPTY_PATH;
    }

    protected override nint CallBlocking() => Interop.Sys.Statx(Fd, EmptyPath, Interop.Sys.AT_EMPTY_PATH, _mask, Buffer);

    protected override void ReleaseResources() => NativeMemory.Free(_scratch);
}
