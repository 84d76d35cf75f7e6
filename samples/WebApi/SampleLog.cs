using Microsoft.Extensions.Logging;

namespace Zokio.Samples.WebApi;

/// <summary>The sample's own log messages, source-generated, with fixed event ids.</summary>
internal static partial class SampleLog
{
    [LoggerMessage(1, LogLevel.Information, "WebApi listening on {Addresses} via {Transport}", EventName = "Listening")]
    public static partial void Listening(ILogger logger, string addresses, string transport);

    [LoggerMessage(2, LogLevel.Warning, "The folder {Folder} ({Key}) does not exist: every /files/{{name}} request will be 404.", EventName = "FilesRootMissing")]
    public static partial void FilesRootMissing(ILogger logger, string folder, string key);
}
