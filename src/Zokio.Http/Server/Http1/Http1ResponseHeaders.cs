using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The response's headers: a slot for each header the server reads when it writes the head (Connection,
/// Transfer-Encoding, Content-Length, Date, Server) or that applications commonly set, each with its "Name: " bytes
/// encoded once; other names in a dictionary. Read-only once the response has started, as in Kestrel. As Kestrel, a
/// name or value that may not be written is refused when the application sets it (so the application sees the
/// exception, and a response that has not started becomes a 500), and values are checked again as the head is
/// written, since an application can change a value array it set.
/// </summary>
internal sealed class Http1ResponseHeaders : Http1Headers
{
    /// <summary>The canonical names, in <see cref="Slot"/> order (which is also the order they are written in).</summary>
    private static readonly string[] SlotNames =
    [
        HeaderNames.Connection,
        HeaderNames.ContentType,
        HeaderNames.Date,
        HeaderNames.Server,
        HeaderNames.CacheControl,
        HeaderNames.ContentEncoding,
        HeaderNames.ContentLength,
        HeaderNames.ETag,
        HeaderNames.LastModified,
        HeaderNames.Location,
        HeaderNames.SetCookie,
        HeaderNames.TransferEncoding,
        HeaderNames.Vary,
    ];

    private static readonly HeaderNameTable Names = new(SlotNames);

    /// <summary>"Name: " for each slot, written before each of its values.</summary>
    private static readonly byte[][] NameLines = [.. SlotNames.Select(name => Encoding.ASCII.GetBytes(name + ": "))];

    private enum Slot
    {
        Connection,
        ContentType,
        Date,
        Server,
        CacheControl,
        ContentEncoding,
        ContentLength,
        ETag,
        LastModified,
        Location,
        SetCookie,
        TransferEncoding,
        Vary,
    }

    private readonly Func<string, Encoding?>? _encodings;

    /// <summary>Creates an empty, writable collection.</summary>
    /// <param name="encodings">
    /// The app's ResponseHeaderEncodingSelector: the encoding of a header's values by name (null: ASCII only).
    /// </param>
    public Http1ResponseHeaders(Func<string, Encoding?>? encodings = null)
        : base(Names)
    {
        _encodings = encodings;
    }

    /// <summary>The Connection header the application set (empty if none).</summary>
    public StringValues Connection => Slots[(int)Slot.Connection];

    /// <summary>The Transfer-Encoding header the application set (empty if none).</summary>
    public StringValues TransferEncoding => Slots[(int)Slot.TransferEncoding];

    /// <summary>Whether the application set Date (the server adds its own otherwise).</summary>
    public bool HasDate => Slots[(int)Slot.Date].Count != 0;

    /// <summary>Whether the application set Server (the server adds its own otherwise, unless AddServerHeader is off).</summary>
    public bool HasServer => Slots[(int)Slot.Server].Count != 0;

    /// <summary>The response has started: from now on a change throws.</summary>
    public void SetReadOnly() => IsReadOnly = true;

    /// <summary>
    /// Writes every header: the slots with their pre-encoded names (Content-Length as its number), then the other
    /// names. Each value is checked as <see cref="ResponseHeaderValidation"/> says and written in the encoding the
    /// selector picks for its name; null values are skipped. Throws <see cref="InvalidOperationException"/> for an
    /// invalid name or value.
    /// </summary>
    public void WriteTo<TWriter>(ref Http1ResponseWriter<TWriter> writer)
        where TWriter : IBufferWriter<byte>
    {
        Func<string, Encoding?>? encodings = _encodings;
        StringValues[] slots = Slots;
        for (int slot = 0; slot < slots.Length; slot++)
        {
            if (slot == (int)Slot.ContentLength)
            {
                if (ContentLength is { } length)
                {
                    writer.WriteContentLength(length);
                }

                continue;
            }

            StringValues values = slots[slot];
            if (values.Count == 0)
            {
                continue;
            }

            Encoding? encoding = encodings?.Invoke(SlotNames[slot]);
            foreach (string? value in values)
            {
                if (value is not null)
                {
                    writer.WriteHeader(NameLines[slot], value, encoding);
                }
            }
        }

        if (Others is { } others)
        {
            foreach (KeyValuePair<string, StringValues> header in others)
            {
                Encoding? encoding = encodings?.Invoke(header.Key);
                foreach (string? value in header.Value)
                {
                    if (value is not null)
                    {
                        writer.WriteHeader(header.Key, value, encoding);
                    }
                }
            }
        }
    }

    /// <summary>As Kestrel's response headers: values, then an unknown name, checked when set.</summary>
    protected override void CheckEntry(string key, bool known, StringValues value)
    {
        Encoding? encoding = _encodings?.Invoke(key);
        foreach (string? item in value)
        {
            if (item is not null)
            {
                ResponseHeaderValidation.ValidateValue(item, encoding);
            }
        }

        if (!known)
        {
            ResponseHeaderValidation.ValidateName(key);
        }
    }
}
