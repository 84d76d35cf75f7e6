using System.Text;
using Microsoft.Extensions.Primitives;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// How the parser's fields land in the request headers: known names in their canonical spelling, others as sent,
/// repeated fields appended in order, and strings reused while a connection's requests repeat the same bytes.
/// </summary>
public sealed class Http1RequestHeadersTests
{
    [Fact]
    public void Known_names_are_canonical_and_others_keep_their_spelling()
    {
        var headers = new Http1RequestHeaders();
        Append(headers, "hOST", "example.com");
        Append(headers, "x-Request-ID", "42");

        Assert.Equal(new[] { "Host=example.com", "x-Request-ID=42" }, headers.Select(h => h.Key + "=" + h.Value).ToArray());
        Assert.Equal("example.com", headers["HOST"].ToString());
        Assert.Equal("42", headers["X-REQUEST-ID"].ToString());
    }

    [Fact]
    public void Repeated_fields_are_appended_in_order_under_the_first_spelling()
    {
        var headers = new Http1RequestHeaders();
        Append(headers, "Accept", "text/html");
        Append(headers, "X-Tag", "a");
        Append(headers, "accept", "*/*");
        Append(headers, "x-tag", "b");
        Append(headers, "X-TAG", "c");

        Assert.Equal(new StringValues(["text/html", "*/*"]), headers["Accept"]);
        Assert.Equal(new StringValues(["a", "b", "c"]), headers["x-tag"]);
        Assert.Equal(new[] { "Accept", "X-Tag" }, headers.Select(h => h.Key).ToArray());
        Assert.Equal(2, headers.Count);
    }

    [Fact]
    public void A_repeated_request_gets_the_same_strings_and_a_changed_field_a_new_one()
    {
        var headers = new Http1RequestHeaders();
        Append(headers, "Host", "example.com");
        Append(headers, "X-Trace", "abc");
        string host = headers["Host"].ToString();
        string traceName = headers.Last().Key;
        string trace = headers["X-Trace"].ToString();

        headers.Reset();
        Append(headers, "Host", "example.com");
        Append(headers, "X-Trace", "abd");

        Assert.Same(host, headers["Host"].ToString());
        Assert.Same(traceName, headers.Last().Key);
        Assert.NotSame(trace, headers["X-Trace"].ToString());
        Assert.Equal("abd", headers["X-Trace"].ToString());
    }

    [Fact]
    public void Values_are_utf8_text()
    {
        var headers = new Http1RequestHeaders();
        Append(headers, "X-Name", "caf\u00e9");
        headers.Reset();
        Append(headers, "X-Name", "caf\u00e9");

        Assert.Equal("caf\u00e9", headers["X-Name"].ToString());
    }

    [Fact]
    public void Reset_leaves_nothing_from_the_previous_request()
    {
        var headers = new Http1RequestHeaders();
        Append(headers, "Host", "example.com");
        Append(headers, "X-Trace", "abc");
        headers.ContentLength = 10;

        headers.Reset();

        Assert.Empty(headers);
        Assert.False(headers.ContainsKey("Host"));
        Assert.False(headers.ContainsKey("X-Trace"));
        Assert.Null(headers.ContentLength);
    }

    private static void Append(Http1RequestHeaders headers, string name, string value)
    {
        byte[] nameBytes = Encoding.ASCII.GetBytes(name);
        headers.Append(KnownHeaders.Match(nameBytes), nameBytes, Encoding.UTF8.GetBytes(value));
    }
}
