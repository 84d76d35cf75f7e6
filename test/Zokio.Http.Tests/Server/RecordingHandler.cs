using System.Text;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

/// <summary>Records the parser's callbacks as text, for asserting what a parse delivered.</summary>
internal sealed class RecordingHandler : IHttp1RequestHandler
{
    public List<string> Calls { get; } = [];

    public Http1RequestFraming Framing;

    public RequestRejectionReason OnRequestLine(in Http1RequestLine requestLine)
    {
        Calls.Add($"{requestLine.Method} {Encoding.ASCII.GetString(requestLine.MethodText)} {Encoding.ASCII.GetString(requestLine.Target)} path={Encoding.ASCII.GetString(requestLine.Path)} query={Encoding.ASCII.GetString(requestLine.Query)} encoded={requestLine.PathEncoded} {requestLine.Form} {requestLine.Version}");
        return Framing.OnRequestLine(requestLine);
    }

    public RequestRejectionReason OnHeader(KnownHeader header, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Calls.Add($"{header} {Encoding.ASCII.GetString(name)}={Encoding.UTF8.GetString(value)}");
        return Framing.OnHeader(header, value);
    }

    /// <summary>Parses all of <paramref name="request"/> (cut at <paramref name="cuts"/>) as one head.</summary>
    public static (Http1ParseStatus Status, RequestRejectionReason Rejection, RecordingHandler Handler, long Consumed) Parse(string request, Http1Limits? limits = null, params int[] cuts)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(request);
        var parser = new Http1RequestParser(limits ?? Http1Limits.Default);
        var handler = new RecordingHandler();
        var buffer = Segments.Create(bytes, cuts);
        Http1ParseStatus status = parser.ParseRequestHead(ref handler, buffer, out SequencePosition consumed, out _, out RequestRejectionReason rejection);
        return (status, rejection, handler, buffer.Slice(buffer.Start, consumed).Length);
    }
}
