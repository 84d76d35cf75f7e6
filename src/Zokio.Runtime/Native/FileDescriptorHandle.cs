using System.Runtime.InteropServices;

namespace Zokio.Runtime.Native;

/// <summary>Owns a Linux file descriptor and closes it exactly once.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(invalidHandleValue: -1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw descriptor; valid while this handle is not closed.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Sys.Close((int)handle) == 0;
}
