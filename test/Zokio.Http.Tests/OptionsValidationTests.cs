using Microsoft.AspNetCore.Builder;

namespace Zokio.Http.Tests;

public class OptionsValidationTests
{
    [Theory]
    [InlineData("--Zokio:LoopCount=0", "Zokio:LoopCount must be between 1 and 1024; got 0.")]
    [InlineData("--Zokio:LoopCount=1025", "Zokio:LoopCount must be between 1 and 1024; got 1025.")]
    [InlineData("--Zokio:RingEntries=1000", "Zokio:RingEntries must be a power of two between 2 and 32768; got 1000.")]
    [InlineData("--Zokio:ReceiveBuffers=100", "Zokio:ReceiveBuffers must be 0 or a power of two between 1 and 32768; got 100.")]
    [InlineData("--Zokio:Backlog=0", "Zokio:Backlog must be between 1 and 65535; got 0.")]
    public async Task Invalid_option_fails_host_start_naming_the_option_value_and_range(string argument, string expectedMessage)
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder(args: [argument]);
        builder.WebHost.UseZokio();
        WebApplication app = builder.Build();
        app.MapGet("/", () => "never served");

        Exception exception = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(app));

        Assert.Contains(expectedMessage, exception.Message, StringComparison.Ordinal);
    }
}
