using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Files;
using Zokio.Runtime.Loops;

namespace Zokio.Samples.WebApi;

/// <summary>
/// <c>GET /files/{name}</c>: streams one file of the folder named by <c>Files:Root</c> (default: <c>files</c> in the
/// content root) with <see cref="ZokioFile"/>, through the ring of the loop that serves the request.
/// </summary>
/// <remarks>
/// Only a plain file name directly in that folder is served: no separators (encoded or not), no <c>..</c>, no absolute
/// path, and a symbolic link only when its final target is inside the folder too; anything else, a directory or a
/// missing file, is 404. The file is read through the loop of the request's connection, also when the handler runs
/// off it (a connection's first request may be parsed on the thread pool; <c>ApplicationScheduling=ThreadPool</c>).
/// On Kestrel's Sockets transport (<c>--Zokio:Enabled=false</c>) there is no loop: the same checks apply and
/// Kestrel's own <c>Results.File</c> sends the file, which is also the baseline the bench compares with.
/// </remarks>
internal static class FileEndpoints
{
    public const string RootKey = "Files:Root";

    private const int ChunkSize = 64 * 1024;

    private static readonly FileExtensionContentTypeProvider s_contentTypes = new();

    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder endpoints)
    {
        IConfiguration configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        IHostEnvironment environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        FileRoot root = new(Path.GetFullPath(configuration[RootKey] ?? "files", environment.ContentRootPath));
        if (!Directory.Exists(root.Folder))
        {
            // Otherwise every /files/* is a 404 and nothing says why.
            SampleLog.FilesRootMissing(endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("WebApi"), root.Folder, RootKey);
        }

        endpoints.MapGet("/files/{name}", (string name, HttpContext context) => ServeAsync(root, name, context));
        return endpoints;
    }

    private static async Task ServeAsync(FileRoot root, string name, HttpContext context)
    {
        string? path = root.Resolve(name);
        if (path is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        string contentType = s_contentTypes.TryGetContentType(path, out string? type) ? type : "application/octet-stream";
        EventLoop? loop = EventLoop.Current ?? context.Features.Get<EventLoop>();
        if (loop is null)
        {
            if (!File.Exists(path))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await Results.File(path, contentType).ExecuteAsync(context);
            return;
        }

        ZokioFile file;
        try
        {
            file = await ZokioFile.OpenAsync(path, FileMode.Open, FileAccess.Read, loop);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            // Missing, a directory, or not readable: nothing to serve, and no need to say which.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await using (file)
        {
            long length = await file.GetLengthAsync();
            context.Response.ContentType = contentType;
            context.Response.ContentLength = length;
            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(length, 1, ChunkSize));
            try
            {
                long offset = 0;
                while (offset < length)
                {
                    int read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - offset)), offset, context.RequestAborted);
                    if (read == 0)
                    {
                        // The file shrank while being sent: Kestrel reports the body shorter than its Content-Length.
                        break;
                    }

                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                    offset += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The served folder, and the one rule for what inside it may be served.</summary>
    private sealed class FileRoot(string path)
    {
        private readonly string _prefix = Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar;

        /// <summary>The folder's full path.</summary>
        public string Folder { get; } = path;

        // The folder itself may be a link (a deployment's "current" symlink, say): its target counts as inside too. A
        // folder that does not exist (a published app without one) serves nothing: every name is 404.
        private readonly string _realPrefix = Path.TrimEndingDirectorySeparator(
            (Directory.Exists(path) ? Directory.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName : null) ?? path) + Path.DirectorySeparatorChar;

        /// <summary>The full path of the file <paramref name="name"/> names, or null when it could lead outside the folder.</summary>
        /// <remarks>
        /// The check runs before the open, so a link swapped in between is not caught; a server that lets others
        /// write into the folder would open with <c>openat2(RESOLVE_BENEATH)</c> instead.
        /// </remarks>
        public string? Resolve(string name)
        {
            // Routing leaves %2F (and %5C) encoded in the value: decode, so an encoded separator counts as one.
            string decoded = Uri.UnescapeDataString(name);
            if (decoded.Length == 0 || decoded is "." or ".." || decoded.AsSpan().IndexOfAny('/', '\\', '\0') >= 0)
            {
                return null;
            }

            string full = Path.GetFullPath(Path.Combine(_prefix, decoded));
            if (!full.StartsWith(_prefix, StringComparison.Ordinal))
            {
                return null;
            }

            try
            {
                FileSystemInfo? target = File.ResolveLinkTarget(full, returnFinalTarget: true);
                return target is null || IsInside(target.FullName) ? full : null;
            }
            catch (IOException)
            {
                // A link loop, or a path that vanished: not servable.
                return null;
            }
        }

        private bool IsInside(string path) =>
            path.StartsWith(_prefix, StringComparison.Ordinal) || path.StartsWith(_realPrefix, StringComparison.Ordinal);
    }
}
