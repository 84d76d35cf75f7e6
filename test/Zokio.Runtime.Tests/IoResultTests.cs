using System.Net.Sockets;
using Zokio.Runtime.Io;

namespace Zokio.Runtime.Tests;

/// <summary>The result of a kernel operation keeps values and errors apart.</summary>
public class IoResultTests
{
    [Fact]
    public void A_kernel_count_is_a_success_with_that_value()
    {
        IoResult result = IoResult.FromKernel(4096);
        Assert.True(result.Succeeded);
        Assert.Equal(4096, result.Value);
        Assert.Equal(0, result.Errno);
        Assert.Equal(SocketError.Success, result.SocketError);
        Assert.False(result.IsEndOfStream);
        Assert.False(result.WouldBlock);
    }

    [Fact]
    public void Zero_is_the_end_of_the_stream()
    {
        IoResult result = IoResult.FromKernel(0);
        Assert.True(result.Succeeded);
        Assert.True(result.IsEndOfStream);
        Assert.Equal(IoResult.Success(0), result);
    }

    [Theory]
    [InlineData(104, SocketError.ConnectionReset)]
    [InlineData(32, SocketError.Shutdown)]
    [InlineData(111, SocketError.ConnectionRefused)]
    [InlineData(125, SocketError.OperationAborted)]
    public void A_negative_kernel_result_is_an_error_with_its_errno_and_socket_error(int errno, SocketError expected)
    {
        IoResult result = IoResult.FromKernel(-errno);
        Assert.False(result.Succeeded);
        Assert.Equal(errno, result.Errno);
        Assert.Equal(expected, result.SocketError);
        Assert.Equal(expected, result.ToSocketException().SocketErrorCode);
        Assert.False(result.IsEndOfStream);
        Assert.Throws<InvalidOperationException>(() => result.Value);
        Assert.Equal(IoResult.Failure(errno), result);
    }

    [Fact]
    public void Would_block_and_canceled_are_recognised()
    {
        Assert.True(IoResult.FromKernel(-11).WouldBlock);
        Assert.True(IoResult.Canceled.IsCanceled);
        Assert.Equal(125, IoResult.Canceled.Errno);
        Assert.False(IoResult.Canceled.WouldBlock);
    }

    [Fact]
    public void A_success_has_no_exception_and_bad_arguments_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => IoResult.Success(1).ToSocketException());
        Assert.Throws<ArgumentOutOfRangeException>(() => IoResult.Success(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoResult.Failure(0));
    }

    [Fact]
    public void A_failed_libc_call_carries_the_thread_errno()
    {
        // close(-1) fails with EBADF and sets errno, which FromSyscall reads.
        IoResult result = IoResult.FromSyscall(Native.Interop.Sys.Close(-1));
        Assert.Equal(Native.Interop.Errno.EBADF, result.Errno);
    }
}
