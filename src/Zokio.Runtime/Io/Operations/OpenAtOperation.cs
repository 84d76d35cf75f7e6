using System.Runtime.InteropServices;
using System.Text;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using static Zokio.Runtime.Native.IoUringConstants;

namespace Zokio.Runtime.Io.Operations;

/// <summary>openat(2) (OPENAT) relative to the working directory: the new fd.</summary>
internal sealed unsafe class OpenAtOperation(EventLoop loop) : FileOperation(loop)
{
    // The path as a C string, from OpenAsync until the completion (the kernel copies it when it takes the SQE).
    private byte* _path;
    private int _flags;
    private int _mode;

    public override byte Opcode => OpOpenAt;

    /// <summary>Opens <paramref name="fullPath"/> with the open(2) <paramref name="flags"/> and <paramref name="mode"/>; any thread.</summary>
    public ValueTask<IoResult> OpenAsync(string fullPath, int flags, int mode)
    {
        int length = Encoding.UTF8.GetByteCount(fullPath);
        _path = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(fullPath, new Span<byte>(_path, length));
        _path[length] = 0;
        Fd = Interop.Sys.AT_FDCWD;
        _flags = flags;
        _mode = mode;
        return StartAsync();
    }

    public override void PrepareSqe(IoUringSqe* sqe)
    {
        sqe->Opcode = OpOpenAt;
        sqe->Addr = (ulong)_path;
        sqe->Len = (uint)_mode;
        sqe->OpFlags = (uint)_flags;
    }

    protected override nint CallBlocking() => Interop.Sys.OpenAt(Fd, _path, _flags, _mode);

    public override void Complete(IoResult result)
    {
        NativeMemory.Free(_path);
        _path = null;
        base.Complete(result);
    }
}
