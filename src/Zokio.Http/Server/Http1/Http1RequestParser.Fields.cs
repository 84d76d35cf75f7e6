using System.Buffers;
using System.Text.Unicode;

namespace Zokio.Http.Server.Http1;

/// <summary>Header and trailer field lines (RFC 9112 section 5): the line scan, the budget and each field's checks.</summary>
internal partial struct Http1RequestParser
{
    private static readonly SearchValues<byte> NameEnd = SearchValues.Create(": \t"u8);

    private Http1ParseStatus TakeFields<THandler>(ref THandler handler, ref SequenceReader<byte> reader, out RequestRejectionReason rejection)
        where THandler : IHttp1HeaderHandler
    {
        if (reader.Remaining > _remainingFieldBytes)
        {
            // Only the bytes left in the budget are looked at: a block that does not end within them is too large.
            var trimmed = new SequenceReader<byte>(reader.UnreadSequence.Slice(0, _remainingFieldBytes));
            Http1ParseStatus status = ParseFields(ref handler, ref trimmed, out rejection);
            _remainingFieldBytes -= trimmed.Consumed;
            reader.Advance(trimmed.Consumed);
            if (status == Http1ParseStatus.Incomplete)
            {
                rejection = RequestRejectionReason.HeadersExceedMaxTotalSize;
                return Http1ParseStatus.Rejected;
            }

            return status;
        }

        long before = reader.Consumed;
        Http1ParseStatus result = ParseFields(ref handler, ref reader, out rejection);
        _remainingFieldBytes -= reader.Consumed - before;
        return result;
    }

    private Http1ParseStatus ParseFields<THandler>(ref THandler handler, ref SequenceReader<byte> reader, out RequestRejectionReason rejection)
        where THandler : IHttp1HeaderHandler
    {
        rejection = RequestRejectionReason.None;
        while (!reader.End)
        {
            ReadOnlySpan<byte> span = reader.UnreadSpan;
            int end = span.IndexOfAny(Http1Characters.CrOrLf);
            if (end < 0)
            {
                if (reader.Remaining == span.Length)
                {
                    return Http1ParseStatus.Incomplete;
                }

                Http1ParseStatus split = TakeSplitField(ref handler, ref reader, out rejection);
                if (split != Http1ParseStatus.Complete)
                {
                    return split;
                }

                continue;
            }

            int terminator = 1;
            if (span[end] == CR)
            {
                // CR must be followed by LF; a bare CR anywhere in the block is rejected (RFC 9112 section 2.2).
                byte next;
                if (end + 1 < span.Length)
                {
                    next = span[end + 1];
                }
                else
                {
                    SequenceReader<byte> probe = reader;
                    probe.Advance(end + 1);
                    if (!probe.TryPeek(out next))
                    {
                        return Http1ParseStatus.Incomplete;
                    }
                }

                if (next != LF)
                {
                    rejection = end == 0 ? RequestRejectionReason.InvalidRequestHeadersNoCrlf : RequestRejectionReason.InvalidRequestHeader;
                    return Http1ParseStatus.Rejected;
                }

                terminator = 2;
            }

            ReadOnlySpan<byte> line = span[..end];
            reader.Advance(end + terminator);
            if (end == 0)
            {
                return Http1ParseStatus.Complete;
            }

            rejection = TakeField(ref handler, line);
            if (rejection != RequestRejectionReason.None)
            {
                return Http1ParseStatus.Rejected;
            }
        }

        return Http1ParseStatus.Incomplete;
    }

    /// <summary>A field line that continues past the current buffer segment: copied once, then taken like any other.</summary>
    private Http1ParseStatus TakeSplitField<THandler>(ref THandler handler, ref SequenceReader<byte> reader, out RequestRejectionReason rejection)
        where THandler : IHttp1HeaderHandler
    {
        rejection = RequestRejectionReason.None;
        var probe = new SequenceReader<byte>(reader.UnreadSequence);
        if (!probe.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            return Http1ParseStatus.Incomplete;
        }

        int length = (int)probe.Consumed;
        probe.TryRead(out byte first);
        int terminator = 1;
        if (first == CR)
        {
            if (!probe.TryRead(out byte next))
            {
                return Http1ParseStatus.Incomplete;
            }

            if (next != LF)
            {
                rejection = RequestRejectionReason.InvalidRequestHeader;
                return Http1ParseStatus.Rejected;
            }

            terminator = 2;
        }

        byte[] scratch = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            reader.UnreadSequence.Slice(0, length).CopyTo(scratch);
            reader.Advance(length + terminator);
            rejection = TakeField(ref handler, scratch.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return rejection == RequestRejectionReason.None ? Http1ParseStatus.Complete : Http1ParseStatus.Rejected;
    }

    /// <summary>field-name ":" OWS field-value OWS, the line already cut before its terminator and holding no CR.</summary>
    private RequestRejectionReason TakeField<THandler>(ref THandler handler, ReadOnlySpan<byte> line)
        where THandler : IHttp1HeaderHandler
    {
        // No whitespace between name and colon (RFC 9112 section 5.1), no empty name, no obs-fold (a line starting with
        // whitespace, section 5.2): all three show as whitespace or a colon at or before the name's end.
        int nameEnd = line.IndexOfAny(NameEnd);
        if (nameEnd <= 0 || line[nameEnd] != (byte)':')
        {
            return RequestRejectionReason.InvalidRequestHeader;
        }

        if (++_fieldCount > _limits.MaxRequestHeaderCount)
        {
            return RequestRejectionReason.TooManyHeaders;
        }

        // Kestrel turns the name into an ASCII string: any ASCII but NUL passes (not only tchar), nothing above 0x7F.
        ReadOnlySpan<byte> name = line[..nameEnd];
        if (name.ContainsAnyExceptInRange((byte)1, (byte)0x7F))
        {
            return RequestRejectionReason.InvalidCharactersInHeaderName;
        }

        ReadOnlySpan<byte> value = line[(nameEnd + 1)..].Trim(" \t"u8);
        // Values are handed on as text: ASCII, or else valid UTF-8 (Kestrel's default decoding, unless the app picks
        // encodings: then the connection checks each value against its own), and never NUL.
        if (value.ContainsAnyExceptInRange((byte)1, (byte)0x7F) && (value.Contains((byte)0) || (_limits.ValuesInUtf8Only && !Utf8.IsValid(value))))
        {
            return _state == State.Trailers ? RequestRejectionReason.MalformedTrailerValue : RequestRejectionReason.MalformedRequestInvalidHeaders;
        }

        return handler.OnHeader(KnownHeaders.Match(name), name, value);
    }
}
