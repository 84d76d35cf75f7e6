using System.Text;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Seeded generator of HTTP/1 request streams for the differential fuzz: valid requests mutated at the byte level and
/// where framing bugs live (header names and whitespace, line endings, Content-Length and Transfer-Encoding
/// combinations, chunk sizes and extensions, versions, methods). The same seed gives the same cases.
/// </summary>
internal sealed class Http1Fuzzer(int seed)
{
    private static readonly string[] Seeds =
    [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n",
        "POST /p?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi",
        "GET http://x/abs HTTP/1.1\r\nHost: x\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    ];

    private static readonly char[] Special = ['\r', '\n', '\0', ' ', '\t', ':', ';', ',', '=', '"', '%', '?', '/', '0', '1', 'a', 'F', '\u007f', '\u0080', '\u00ff', '\u0001', '-', '+'];

    private static readonly string[] ContentLengths = ["0", "1", "4", "5", "6", "-1", "+5", "5, 5", "5,5", "0x5", "99999999999999999999", "", " 5 ", "5 5", "005", "3000000"];

    private static readonly string[] TransferEncodings = ["chunked", "Chunked", "gzip, chunked", "chunked, gzip", "identity", "chunked,", ", chunked", "", "gzip", "chunked;q=1"];

    private static readonly string[] ChunkSizes = ["5", "05", "00000005", "000000005", "FFFFFFFF", "7fffffff", "0x5", "5 ", " 5", "5;a=b", "5;a=\"q\"", "5;\u0001", "5;a\n", "-5", "", "g"];

    private readonly Random _random = new(seed);

    public byte[] Next()
    {
        string request = Seeds[_random.Next(Seeds.Length)];
        int mutations = 1 + _random.Next(3);
        for (int i = 0; i < mutations; i++)
        {
            request = Mutate(request);
        }

        return Encoding.Latin1.GetBytes(request);
    }

    /// <summary>Random cut points for feeding the bytes to the parser in pieces.</summary>
    public int[] Splits(int length) =>
        length < 2 ? [] : Enumerable.Range(0, 1 + _random.Next(8)).Select(_ => _random.Next(1, length)).Order().Distinct().ToArray();

    private string Mutate(string request) => _random.Next(12) switch
    {
        0 => ReplaceAt(request, _random.Next(request.Length), Special[_random.Next(Special.Length)].ToString()),
        1 => request.Insert(_random.Next(request.Length + 1), Special[_random.Next(Special.Length)].ToString()),
        2 => request.Length > 1 ? request.Remove(_random.Next(request.Length), 1) : request,
        3 => ReplaceOne(request, "\r\n", ["\n", "\r", "\r\r\n", "\n\r", "\r\n\r\n"]),
        4 => MutateHeaderName(request),
        5 => DuplicateLine(request),
        6 => SetHeader(request, "Content-Length", ContentLengths[_random.Next(ContentLengths.Length)]),
        7 => SetHeader(request, "Transfer-Encoding", TransferEncodings[_random.Next(TransferEncodings.Length)]),
        8 => ReplaceOne(request, "\r\n5\r\n", ChunkSizes.Select(s => "\r\n" + s + "\r\n").ToArray(), "\r\n0\r\n"),
        9 => ReplaceOne(request, "HTTP/1.1", ["HTTP/1.0", "HTTP/2.0", "http/1.1", "HTTP/1.10", "HTTP/1"], "HTTP/1.0"),
        10 when request.Length > 0 => ReplaceOne(request, request[..Math.Max(1, request.IndexOf(' ', StringComparison.Ordinal))], ["get", "G@T", "FOO", "OPTIONS", "CONNECT", ""]),
        _ => request[.._random.Next(request.Length + 1)],
    };

    private static string ReplaceAt(string text, int index, string with) =>
        text.Length == 0 ? with : text[..index] + with + text[(index + 1)..];

    private string ReplaceOne(string text, string what, string[] choices, string? fallback = null)
    {
        int index = text.IndexOf(what, StringComparison.Ordinal);
        if (index < 0 && fallback is not null)
        {
            what = fallback;
            index = text.IndexOf(what, StringComparison.Ordinal);
        }

        if (index < 0)
        {
            return text;
        }

        // Any occurrence, not only the first.
        var positions = new List<int>();
        for (int at = index; at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
        {
            positions.Add(at);
        }

        int chosen = positions[_random.Next(positions.Count)];
        return text[..chosen] + choices[_random.Next(choices.Length)] + text[(chosen + what.Length)..];
    }

    private string MutateHeaderName(string request)
    {
        int headEnd = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        int lineStart = request.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        if (headEnd < 0 || lineStart < 2 || lineStart > headEnd)
        {
            return request;
        }

        int colon = request.IndexOf(':', lineStart);
        if (colon < 0 || colon > headEnd)
        {
            return request;
        }

        string name = request[lineStart..colon];
        string mutated = _random.Next(6) switch
        {
            0 => name.ToUpperInvariant(),
            1 => name + " ",
            2 => name + "\t",
            3 => " " + name,
            4 => name + "\r\n folded",
            _ => name.Replace('-', '_'),
        };
        return request[..lineStart] + mutated + request[colon..];
    }

    private string DuplicateLine(string request)
    {
        int headEnd = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return request;
        }

        string[] lines = request[..headEnd].Split("\r\n");
        if (lines.Length < 2)
        {
            return request;
        }

        string line = lines[1 + _random.Next(lines.Length - 1)];
        return request[..(headEnd + 2)] + line + "\r\n" + request[(headEnd + 2)..];
    }

    private string SetHeader(string request, string name, string value)
    {
        int headEnd = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return request;
        }

        int existing = request.IndexOf("\r\n" + name + ":", StringComparison.OrdinalIgnoreCase);
        if (existing >= 0 && existing < headEnd && _random.Next(3) > 0)
        {
            int valueStart = existing + name.Length + 3;
            int valueEnd = request.IndexOf("\r\n", valueStart, StringComparison.Ordinal);
            return request[..valueStart] + " " + value + request[valueEnd..];
        }

        return request[..(headEnd + 2)] + name + ": " + value + "\r\n" + request[(headEnd + 2)..];
    }
}
