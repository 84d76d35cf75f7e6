using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Zokio.Bench;

/// <summary>Sends a scenario's <see cref="Probe"/> and says what is wrong with the answer (null: nothing).</summary>
internal sealed class ProbeClient(BenchEnvironment environment, string inputsDir)
{
    public async Task<string?> CheckAsync(Probe probe, CancellationToken cancel)
    {
        // A connection per probe, closed after it, as curl's was: none stays open into the load, and none outlives a
        // stopped server to be reused against the next one.
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true }, // the run's self-signed certificate
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(probe.TimeoutS) };
        using var request = new HttpRequestMessage(HttpMethod.Get, environment.UrlOf(probe.Endpoint, probe.Path));
        if (probe.Endpoint != Endpoint.Http1)
        {
            // h2c: prior knowledge; TLS: ALPN offering h2 and HTTP/1.1, so a fallback is caught below rather than refused.
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = probe.Endpoint == Endpoint.H2c ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;
        }
        if (probe.SendText is not null || probe.SendFile is not null)
        {
            request.Method = HttpMethod.Post;
            request.Content = new ByteArrayContent(probe.SendText is { } text ? Encoding.UTF8.GetBytes(text) : await ReadInput(probe.SendFile!));
        }
        if (probe.Grpc)
        {
            request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.ParseAdd("trailers");
        }

        try
        {
            using var response = await http.SendAsync(request, cancel);
            var body = await response.Content.ReadAsByteArrayAsync(cancel);
            return !response.IsSuccessStatusCode ? $"status {(int)response.StatusCode}"
                : probe.Endpoint != Endpoint.Http1 && response.Version.Major != 2 ? $"answered over HTTP/{response.Version}, not HTTP/2"
                : probe.Grpc && GrpcStatus(response) != "0" ? $"grpc-status {GrpcStatus(response) ?? "missing"}"
                : await CheckBody(probe, body);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            return e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
        }
    }

    private async Task<string?> CheckBody(Probe probe, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var file = probe.BodyIsFile is { } name ? await ReadInput(name) : null;
        return probe.BodyIs is { } expected && text != expected ? $"body '{Short(text)}', expected '{expected}'"
            : probe.BodyContains is { } part && !text.Contains(part, StringComparison.Ordinal) ? $"body '{Short(text)}' lacks '{part}'"
            : file is not null && !body.AsSpan().SequenceEqual(file) ? $"body ({body.Length} bytes) differs from {probe.BodyIsFile}"
            : null;
    }

    // In the headers of a trailers-only answer, in the trailers otherwise.
    private static string? GrpcStatus(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.FirstOrDefault()
        : response.Headers.TryGetValues("grpc-status", out var header) ? header.FirstOrDefault()
        : null;

    private Task<byte[]> ReadInput(string name) => File.ReadAllBytesAsync(Path.Combine(inputsDir, name));

    private static string Short(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
