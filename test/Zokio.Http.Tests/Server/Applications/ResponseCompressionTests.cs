using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary><c>UseResponseCompression</c> on every server kind: the encoding the client accepts, or none.</summary>
public class ResponseCompressionTests
{
    public static TheoryData<ServerKind, string> KindsAndEncodings => ServerKinds.With("gzip", "br", "identity");

    [Theory, MemberData(nameof(KindsAndEncodings))]
    public async Task A_text_response_is_compressed_with_the_accepted_encoding(ServerKind kind, string encoding)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        foreach (string path in new[] { "/api/compressible", "/css/site.css" })
        {
            using HttpRequestMessage request = new(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));

            using HttpResponseMessage response = await app.Client.SendAsync(request);

            byte[] body = await response.Content.ReadAsByteArrayAsync();
            string expected = path == "/css/site.css" ? WebRoot.Css : MinimalApiEndpoints.Compressible;
            if (encoding == "identity")
            {
                Assert.Empty(response.Content.Headers.ContentEncoding);
                Assert.Equal(expected, Encoding.UTF8.GetString(body));
                continue;
            }

            Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            Assert.Equal(expected, Decompress(body, encoding));
            if (path == "/api/compressible")
            {
                Assert.True(body.Length < expected.Length / 10, $"{encoding} made {expected.Length} bytes into {body.Length}");
            }
        }
    }

    private static string Decompress(byte[] body, string encoding)
    {
        using MemoryStream compressed = new(body);
        using Stream decompressor = encoding == "gzip"
            ? new GZipStream(compressed, CompressionMode.Decompress)
            : new BrotliStream(compressed, CompressionMode.Decompress);
        using StreamReader reader = new(decompressor, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
