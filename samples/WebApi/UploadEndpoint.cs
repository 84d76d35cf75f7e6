using System.Globalization;
using System.IO.Pipelines;

namespace Zokio.Samples.WebApi;

/// <summary><c>POST /upload</c>: reads the whole request body and answers with its length in bytes, as HttpArena's upload test.</summary>
public static class UploadEndpoint
{
    public static IEndpointRouteBuilder MapUpload(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/upload", static async (HttpContext context) =>
        {
            // Straight from the request pipe, without copying into a stream's buffer: what is measured is the body's
            // way through the transport and Kestrel.
            PipeReader body = context.Request.BodyReader;
            long length = 0;
            while (true)
            {
                ReadResult read = await body.ReadAsync(context.RequestAborted);
                length += read.Buffer.Length;
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            return Results.Text(length.ToString(CultureInfo.InvariantCulture), "text/plain");
        });
        return endpoints;
    }
}
