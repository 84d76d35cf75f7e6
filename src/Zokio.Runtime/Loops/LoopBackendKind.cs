namespace Zokio.Runtime.Loops;

/// <summary>Which kernel interface the event loops use.</summary>
public enum LoopBackendKind
{
    /// <summary>io_uring where the kernel allows it, otherwise epoll.</summary>
    Auto,

    /// <summary>io_uring only; starting fails when the kernel refuses it.</summary>
    IoUring,

    /// <summary>epoll, the readiness-based fallback (what containers with the default seccomp profile get).</summary>
    Epoll,
}
