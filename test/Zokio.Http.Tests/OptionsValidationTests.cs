using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

public class OptionsValidationTests
{
    [Theory]
    [InlineData("--Zokio:LoopCount=0", "Zokio:LoopCount must be between 1 and 1024; got 0.")]
    [InlineData("--Zokio:LoopCount=1025", "Zokio:LoopCount must be between 1 and 1024; got 1025.")]
    [InlineData("--Zokio:RingEntries=1000", "Zokio:RingEntries must be a power of two between 2 and 32768; got 1000.")]
    [InlineData("--Zokio:ReceiveBuffers=100", "Zokio:ReceiveBuffers must be 0 or a power of two between 1 and 32768; got 100.")]
    [InlineData("--Zokio:Backlog=0", "Zokio:Backlog must be between 1 and 65535; got 0.")]
    [InlineData("--Zokio:Backend=Foo", "Zokio:Backend must be one of Auto, IoUring, Epoll; got 'Foo'.")]
    [InlineData("--Zokio:Backend=", "Zokio:Backend must be one of Auto, IoUring, Epoll; got ''.")]
    [InlineData("--Zokio:Backend=7", "Zokio:Backend must be one of Auto, IoUring, Epoll; got 7.")]
    [InlineData("--Zokio:ApplicationScheduling=Fast", "Zokio:ApplicationScheduling must be one of Adaptive, Loop, ThreadPool; got 'Fast'.")]
    [InlineData("--Zokio:LoopCount=four", "Failed to convert configuration value 'four' at 'Zokio:LoopCount' to type 'System.Int32'.")]
    public async Task Invalid_option_fails_host_start_naming_the_option_value_and_range(string argument, string expectedMessage)
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder(args: [argument]);
        builder.WebHost.UseZokio();
        WebApplication app = builder.Build();
        app.MapGet("/", () => "never served");

        Exception exception = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(app));

        // One exception whose message is the line: no inner exception, whose stack trace the host would log too.
        OptionsValidationException invalid = Assert.IsType<OptionsValidationException>(exception);
        Assert.Equal(expectedMessage, invalid.Message);
        Assert.Null(invalid.InnerException);
    }

    [Fact]
    public async Task Every_unreadable_enum_value_is_named_in_one_message()
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder(args: ["--Zokio:Backend=Foo", "--Zokio:ApplicationScheduling=Fast"]);
        builder.WebHost.UseZokio();
        WebApplication app = builder.Build();

        OptionsValidationException exception = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(app));

        Assert.Equal(
            "Zokio:Backend must be one of Auto, IoUring, Epoll; got 'Foo'.; Zokio:ApplicationScheduling must be one of Adaptive, Loop, ThreadPool; got 'Fast'.",
            exception.Message);
    }

    [Theory, MemberData(nameof(TestHost.Backends), MemberType = typeof(TestHost))]
    public async Task Enum_values_bind_by_name_ignoring_case_as_the_configuration_binder_reads_them(LoopBackendKind backend)
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder(args: [$"--Zokio:Backend={backend.ToString().ToLowerInvariant()}", "--Zokio:ApplicationScheduling=threadpool", "--Zokio:LoopCount=1"]);
        builder.WebHost.UseZokio();
        WebApplication app = builder.Build();
        Assert.Null(app.Services.GetZokioLoops());
        await using TestHost host = await TestHost.StartAsync(app);

        EventLoopGroup loops = host.App.Services.GetZokioLoops()!;

        Assert.Equal(backend, loops.Backend);
        Assert.Equal(ApplicationScheduling.ThreadPool, loops.Options.ApplicationScheduling);
        Assert.Single(loops.Loops);
    }

    [Fact]
    public async Task With_Zokio_disabled_or_not_registered_there_are_no_Zokio_loops()
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder(args: ["--Zokio:Enabled=false"]);
        builder.WebHost.UseZokio();
        await using TestHost disabled = await TestHost.StartAsync(builder.Build());
        await using TestHost plain = await TestHost.StartAsync(TestHost.CreateBuilder().Build());

        Assert.Null(disabled.App.Services.GetZokioLoops());
        Assert.Null(plain.App.Services.GetZokioLoops());
    }
}
