using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

// The script calls IDictionary.Add on purpose: what it does with a duplicate name is part of what is compared.
#pragma warning disable ASP0019

/// <summary>
/// The server's request and response header collections behave as dictionaries exactly as Kestrel's own do: the same
/// script of operations (known and unknown names in any case, Content-Length by number and by name, repeated values,
/// Add, Remove, Clear, CopyTo, enumeration, the two indexers, read-only after the response starts) gives the same
/// transcript of results and exception types on both.
/// </summary>
public sealed class Http1HeadersTests
{
    [Fact]
    public void Request_headers_answer_every_operation_as_Kestrels()
    {
        Assert.Equal(Transcript(KestrelHeaderCollections.CreateRequestHeaders()).Split('\n'), Transcript(new Http1RequestHeaders()).Split('\n'));
    }

    [Fact]
    public void Response_headers_answer_every_operation_as_Kestrels()
    {
        Assert.Equal(Transcript(KestrelHeaderCollections.CreateResponseHeaders()).Split('\n'), Transcript(new Http1ResponseHeaders()).Split('\n'));
    }

    [Fact]
    public void Response_headers_are_read_only_once_started_as_Kestrels()
    {
        IHeaderDictionary kestrel = KestrelHeaderCollections.CreateResponseHeaders();
        var zokio = new Http1ResponseHeaders();
        Assert.Equal(ReadOnlyTranscript(kestrel, () => KestrelHeaderCollections.SetReadOnly(kestrel)).Split('\n'), ReadOnlyTranscript(zokio, zokio.SetReadOnly).Split('\n'));
    }

    [Fact]
    public void A_reset_collection_is_empty_and_writable_again()
    {
        var headers = new Http1ResponseHeaders();
        headers["Content-Type"] = "text/plain";
        headers["X-Custom"] = "1";
        headers.ContentLength = 3;
        headers.SetReadOnly();

        headers.Reset();

        Assert.False(headers.IsReadOnly);
        Assert.Empty(headers);
        Assert.Null(headers.ContentLength);
        headers["X-Custom"] = "2";
        Assert.Equal("2", headers["x-custom"].ToString());
    }

    [Fact]
    public void Content_length_read_by_name_repeatedly_is_one_string()
    {
        var headers = new Http1RequestHeaders { ContentLength = 1234 };
        string first = headers["Content-Length"].ToString();
        Assert.Equal("1234", first);
        Assert.Same(first, headers["content-length"].ToString());
        headers["Content-Length"] = "99";
        Assert.Equal((long?)99, headers.ContentLength);
        Assert.Equal("99", headers["Content-Length"].ToString());
    }

    /// <summary>Runs the script on <paramref name="headers"/>; each line is an operation and what it gave.</summary>
    private static string Transcript(IHeaderDictionary headers)
    {
        var log = new List<string>();
        void Do(string what, Func<object?> operation) => log.Add(what + ": " + Outcome(operation));

        Do("get missing", () => headers["Host"]);
        Do("count empty", () => headers.Count);
        Do("known in lower case", () =>
        {
            headers["content-type"] = "text/plain";
            return headers["CONTENT-TYPE"];
        });
        Do("known through its property", () =>
        {
            headers.Host = "example.com";
            return headers["host"];
        });
        Do("unknown with two values", () =>
        {
            headers["X-Custom"] = new StringValues(["a", "b"]);
            return headers["x-custom"];
        });
        Do("content length as number", () =>
        {
            headers.ContentLength = 5;
            return headers["Content-Length"];
        });
        Do("content length by name", () =>
        {
            headers["content-length"] = "007";
            return headers.ContentLength;
        });
        Do("content length read by name", () => headers["Content-Length"]);
        Do("content length not a number", () => headers["Content-Length"] = "abc");
        Do("content length with a sign", () => headers["Content-Length"] = "+1");
        Do("content length as two values", () => headers["Content-Length"] = new StringValues(["1", "2"]));
        Do("content length negative", () => headers.ContentLength = -1);
        Do("content length kept", () => headers.ContentLength);
        Do("add existing known", () => Add(headers, "Content-Type", "text/html"));
        Do("add existing unknown in another case", () => Add(headers, "x-CUSTOM", "c"));
        Do("add existing content length", () => Add(headers, "Content-Length", "3"));
        Do("add empty", () =>
        {
            headers.Add("X-Empty", StringValues.Empty);
            return headers.ContainsKey("X-Empty");
        });
        Do("add new known", () =>
        {
            headers.Add("Cache-Control", "no-cache");
            return headers["cache-control"];
        });
        Do("add a pair", () =>
        {
            headers.Add(new KeyValuePair<string, StringValues>("X-Pair", "p"));
            return headers["X-Pair"];
        });
        Do("empty name", () => headers[""] = "x");
        Do("value with a line break", () => headers["X-Split"] = "a\r\nb");
        Do("known value with a line break", () => headers["Location"] = "/a\nb");
        Do("value not ascii", () => headers["X-Name"] = "caf\u00e9");
        Do("name with a space", () => headers["X Name"] = "x");
        Do("add a value with a line break", () => Add(headers, "X-Added", "a\rb"));
        Do("dictionary indexer, missing", () => ((IDictionary<string, StringValues>)headers)["X-Missing"]);
        Do("dictionary indexer, present", () => ((IDictionary<string, StringValues>)headers)["x-custom"]);
        Do("try get missing", () => (headers.TryGetValue("Accept", out StringValues value), value.Count));
        Do("empty value removes", () =>
        {
            headers["Cache-Control"] = StringValues.Empty;
            return headers.ContainsKey("Cache-Control");
        });
        Do("null value removes", () =>
        {
            headers["X-Pair"] = (string?)null;
            return headers.ContainsKey("x-pair");
        });
        Do("contains the pair", () => headers.Contains(new KeyValuePair<string, StringValues>("x-custom", new StringValues(["a", "b"]))));
        Do("contains another value", () => headers.Contains(new KeyValuePair<string, StringValues>("X-Custom", "a")));
        Do("remove another value", () => headers.Remove(new KeyValuePair<string, StringValues>("X-Custom", "a")));
        Do("count", () => headers.Count);
        Do("keys", () => string.Join(",", headers.Keys.Select(key => key.ToLowerInvariant()).Order(StringComparer.Ordinal)));
        Do("values", () => string.Join(",", headers.Values.Select(value => value.ToString()).Order(StringComparer.Ordinal)));
        Do("enumeration", () => Show(headers));
        Do("copy to", () =>
        {
            var array = new KeyValuePair<string, StringValues>[headers.Count + 1];
            headers.CopyTo(array, 1);
            return Show(array.Skip(1));
        });
        Do("copy to a short array", () =>
        {
            headers.CopyTo(new KeyValuePair<string, StringValues>[headers.Count], 1);
            return null;
        });
        Do("remove known", () => headers.Remove("Host"));
        Do("remove it again", () => headers.Remove("host"));
        Do("remove content length", () => (headers.Remove("CONTENT-LENGTH"), headers.ContentLength));
        Do("remove unknown", () => headers.Remove("X-CUSTOM"));
        Do("remove missing unknown", () => headers.Remove("X-Nothing"));
        Do("remove the pair", () => headers.Remove(new KeyValuePair<string, StringValues>("Content-Type", "text/plain")));
        Do("after removals", () => Show(headers));
        headers["Set-Cookie"] = new StringValues(["a=1", "b=2"]);
        headers["X-Other"] = "o";
        headers.ContentLength = 0;
        Do("clear", () =>
        {
            headers.Clear();
            return (headers.Count, headers.ContentLength, Show(headers));
        });
        return string.Join("\n", log);
    }

    private static string ReadOnlyTranscript(IHeaderDictionary headers, Action setReadOnly)
    {
        headers.ContentType = "text/plain";
        headers["X-Custom"] = "1";
        headers.ContentLength = 3;
        setReadOnly();
        var log = new List<string>();
        void Do(string what, Func<object?> operation) => log.Add(what + ": " + Outcome(operation));

        Do("is read-only", () => headers.IsReadOnly);
        Do("set known", () => headers["Content-Type"] = "text/html");
        Do("set unknown", () => headers["X-Custom"] = "2");
        Do("set content length", () => headers.ContentLength = 4);
        Do("set content length by name", () => headers["Content-Length"] = "4");
        Do("add", () => Add(headers, "X-New", "n"));
        Do("remove", () => headers.Remove("X-Custom"));
        Do("clear", () =>
        {
            headers.Clear();
            return null;
        });
        Do("still readable", () => Show(headers));
        return string.Join("\n", log);
    }

    private static object? Add(IHeaderDictionary headers, string key, StringValues value)
    {
        headers.Add(key, value);
        return headers[key];
    }

    private static string Outcome(Func<object?> operation)
    {
        try
        {
            return operation() switch
            {
                null => "null",
                StringValues values => $"[{values.Count}] {string.Join("|", values.ToArray())}",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                object other => other.ToString() ?? "",
            };
        }
        catch (Exception e)
        {
            return "threw " + e.GetType().Name;
        }
    }

    /// <summary>The headers by name (lower case: Kestrel spells some names it knows canonically), values in order.</summary>
    private static string Show(IEnumerable<KeyValuePair<string, StringValues>> headers) =>
        string.Join("; ", headers
            .Select(header => header.Key.ToLowerInvariant() + "=" + string.Join("|", header.Value.ToArray()))
            .Order(StringComparer.Ordinal));
}
