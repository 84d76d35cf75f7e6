using System.Runtime.InteropServices;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Files;

/// <summary>Turns a failed file syscall's errno into the exception <see cref="FileStream"/> throws for it on Linux.</summary>
internal static class FileErrors
{
    /// <summary>The exception for a failed read, write, fsync, statx or close of <paramref name="path"/>.</summary>
    public static Exception ForOperation(int errno, string path) => errno switch
    {
        Interop.Errno.ENOENT => new FileNotFoundException($"Could not find file '{path}'.", path),
        Interop.Errno.EACCES or Interop.Errno.EBADF or Interop.Errno.EPERM => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
        Interop.Errno.ENAMETOOLONG => new PathTooLongException($"The path '{path}' is too long, or a component of the specified path is too long."),
        Interop.Errno.ECANCELED => new OperationCanceledException($"The operation on '{path}' was canceled."),
        Interop.Errno.EEXIST => new IOException($"The file '{path}' already exists.", errno),
        // As FileStream: the error text (strerror) with the path, and the errno as HResult.
        _ => new IOException($"{Marshal.GetPInvokeErrorMessage(errno)} : '{path}'", errno),
    };

    /// <summary>
    /// The exception for a failed open of <paramref name="path"/> with the open(2) <paramref name="flags"/>. As
    /// FileStream, a missing path blames the directory when creating, or when the directory itself is missing.
    /// </summary>
    public static Exception ForOpen(int errno, string path, int flags)
    {
        if (errno == Interop.Errno.ENOENT && ((flags & Interop.Sys.O_CREAT) != 0 || !Directory.Exists(Path.GetDirectoryName(path))))
        {
            return new DirectoryNotFoundException($"Could not find a part of the path '{path}'.");
        }

        // A directory opened for writing: FileStream reports it as access denied.
        return ForOperation(errno == Interop.Errno.EISDIR ? Interop.Errno.EACCES : errno, path);
    }
}
