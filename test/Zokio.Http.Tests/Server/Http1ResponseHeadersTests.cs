using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// What the head writer reads from the response headers (the framing headers by slot, whatever the spelling they were
/// set with) and how it writes them: known names canonically, others as set, one line per value, each value checked.
/// </summary>
public sealed class Http1ResponseHeadersTests
{
    [Fact]
    public void The_framing_headers_are_found_in_their_slots_in_any_spelling()
    {
        var headers = new Http1ResponseHeaders();
        Assert.Equal(0, headers.Connection.Count);
        Assert.Equal(0, headers.TransferEncoding.Count);
        Assert.False(headers.HasDate);
        Assert.False(headers.HasServer);

        headers["connection"] = "close";
        headers["TRANSFER-ENCODING"] = "chunked";
        headers["date"] = "Mon, 07 Dec 2026 14:00:32 GMT";
        headers.Add("server", "Custom");

        Assert.Equal("close", headers.Connection.ToString());
        Assert.Equal("chunked", headers.TransferEncoding.ToString());
        Assert.True(headers.HasDate);
        Assert.True(headers.HasServer);
    }

    [Fact]
    public void Writes_known_names_canonically_then_the_others_one_line_per_value()
    {
        var headers = new Http1ResponseHeaders();
        headers["x-powered-by"] = "me";
        headers["set-cookie"] = new StringValues(["a=1", null, "b=2"]);
        headers["content-type"] = "text/plain";
        headers.ContentLength = 13;
        headers["Vary"] = "Accept-Encoding";

        Assert.Equal(
            "Content-Type: text/plain\r\nContent-Length: 13\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVary: Accept-Encoding\r\nx-powered-by: me\r\n",
            Write(headers));
    }

    [Theory]
    [InlineData("Location", "/a\r\nX-Injected: 1")]
    [InlineData("X-Custom", "a\nb")]
    [InlineData("X-Custom", "caf\u00e9")]
    [InlineData("Bad Name", "x")]
    public void An_invalid_name_or_value_is_refused_when_set(string name, string value)
    {
        var headers = new Http1ResponseHeaders();
        Assert.Throws<InvalidOperationException>(() => headers[name] = value);
        Assert.Throws<InvalidOperationException>(() => headers.Add(name, value));
        Assert.Empty(headers);
    }

    [Fact]
    public void A_value_changed_after_it_was_set_is_checked_when_written()
    {
        var headers = new Http1ResponseHeaders();
        string[] values = ["a=1"];
        headers["Set-Cookie"] = values;
        headers["X-Custom"] = values;
        values[0] = "a=1\r\nX-Injected: 1";

        Assert.Throws<InvalidOperationException>(() => Write(headers));
    }

    [Fact]
    public void The_encoding_selector_chooses_per_name_for_known_and_other_names()
    {
        var headers = new Http1ResponseHeaders(name => name is "Content-Disposition" or "Location" ? Encoding.Latin1 : null);
        headers["Content-Disposition"] = "attachment; filename=caf\u00e9";
        headers["Location"] = "/caf\u00e9";
        Assert.Throws<InvalidOperationException>(() => headers["X-Other"] = "caf\u00e9");

        Assert.Equal("Location: /caf\u00e9\r\nContent-Disposition: attachment; filename=caf\u00e9\r\n", Write(headers));
    }

    private static string Write(Http1ResponseHeaders headers)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new Http1ResponseWriter<ArrayBufferWriter<byte>>(ref output);
        headers.WriteTo(ref writer);
        writer.Commit();
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }
}
