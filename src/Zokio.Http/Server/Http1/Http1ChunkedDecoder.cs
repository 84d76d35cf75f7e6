using System.Buffers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Incremental decoder of the chunked transfer coding (RFC 9112 section 7.1) with Kestrel's strictness: chunk sizes of
/// at most eight hex digits and no whitespace, extensions skipped up to a strict CRLF, CRLF after every chunk, trailers parsed
/// with the header rules and what is left of the header budget. Body bytes are returned as slices of the input, never
/// copied. Every byte of the body including its framing counts against <see cref="Http1Limits.MaxRequestBodySize"/>,
/// which is also what bounds the extension bytes skipped.
/// </summary>
internal struct Http1ChunkedDecoder
{
    // "7FFFFFFF\r\n": Kestrel reads the size as an int and gives up after ten bytes.
    private const int MaxChunkPrefixBytes = 10;

    private Mode _mode;
    private long _chunkRemaining;
    private long _observedBytes;
    private long? _maxBodySize;

    private enum Mode : byte
    {
        Prefix,
        Extension,
        Data,
        Suffix,
        Trailer,
        TrailerFields,
        Complete,
    }

    public Http1ChunkedDecoder(long? maxRequestBodySize)
    {
        _maxBodySize = maxRequestBodySize;
    }

    public readonly bool IsComplete => _mode == Mode.Complete;

    /// <summary>
    /// Gives back the last <paramref name="count"/> bytes of the data just returned, which the application did not
    /// consume: the next <see cref="Read"/> returns them again, and they are not counted twice against the limit.
    /// </summary>
    public void Unread(long count)
    {
        if (count > 0)
        {
            _chunkRemaining += count;
            _observedBytes -= count;
            _mode = Mode.Data;
        }
    }

    /// <summary>Readies the decoder for another chunked body.</summary>
    public void Reset(long? maxRequestBodySize) => this = new Http1ChunkedDecoder(maxRequestBodySize);

    /// <summary>
    /// Decodes from <paramref name="input"/> until it has body bytes to return, needs more input, or the body ends.
    /// Trailer fields go to <paramref name="trailers"/> through <paramref name="parser"/> (the one that parsed this
    /// request's head, for its remaining budget). <paramref name="consumed"/> is where the next call starts;
    /// <paramref name="examined"/> how far this one looked.
    /// </summary>
    public ChunkedReadStatus Read<THandler>(ref THandler trailers, ref Http1RequestParser parser, in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> data, out SequencePosition consumed, out SequencePosition examined, out RequestRejectionReason rejection)
        where THandler : IHttp1HeaderHandler
    {
        var reader = new SequenceReader<byte>(input);
        data = default;
        rejection = RequestRejectionReason.None;
        ChunkedReadStatus status = Step(ref trailers, ref parser, ref reader, ref data, ref rejection);
        consumed = reader.Position;
        examined = status == ChunkedReadStatus.NeedMoreData ? input.End : consumed;
        return status;
    }

    private ChunkedReadStatus Step<THandler>(ref THandler trailers, ref Http1RequestParser parser, ref SequenceReader<byte> reader, ref ReadOnlySequence<byte> data, ref RequestRejectionReason rejection)
        where THandler : IHttp1HeaderHandler
    {
        while (true)
        {
            switch (_mode)
            {
                case Mode.Prefix:
                    if (!TakePrefix(ref reader, ref rejection))
                    {
                        return rejection == RequestRejectionReason.None ? ChunkedReadStatus.NeedMoreData : ChunkedReadStatus.Rejected;
                    }

                    break;

                case Mode.Extension:
                    if (!TakeExtension(ref reader, ref rejection))
                    {
                        return rejection == RequestRejectionReason.None ? ChunkedReadStatus.NeedMoreData : ChunkedReadStatus.Rejected;
                    }

                    break;

                case Mode.Data:
                    long available = Math.Min(reader.Remaining, _chunkRemaining);
                    if (available == 0)
                    {
                        return ChunkedReadStatus.NeedMoreData;
                    }

                    data = reader.UnreadSequence.Slice(0, available);
                    reader.Advance(available);
                    _chunkRemaining -= available;
                    if (_chunkRemaining == 0)
                    {
                        _mode = Mode.Suffix;
                    }

                    return Observe(available, ref rejection) ? ChunkedReadStatus.Data : ChunkedReadStatus.Rejected;

                case Mode.Suffix:
                case Mode.Trailer:
                    if (reader.Remaining < 2)
                    {
                        return ChunkedReadStatus.NeedMoreData;
                    }

                    SequenceReader<byte> probe = reader;
                    probe.TryRead(out byte first);
                    probe.TryRead(out byte second);
                    bool crlf = first == (byte)'\r' && second == (byte)'\n';
                    if (_mode == Mode.Suffix)
                    {
                        if (!crlf)
                        {
                            rejection = RequestRejectionReason.BadChunkSuffix;
                            return ChunkedReadStatus.Rejected;
                        }

                        reader.Advance(2);
                        _mode = Mode.Prefix;
                        if (!Observe(2, ref rejection))
                        {
                            return ChunkedReadStatus.Rejected;
                        }

                        break;
                    }

                    if (!crlf)
                    {
                        // Not the empty line that ends a body without trailers: a trailer section follows.
                        _mode = Mode.TrailerFields;
                        break;
                    }

                    reader.Advance(2);
                    _mode = Mode.Complete;
                    return Observe(2, ref rejection) ? ChunkedReadStatus.Complete : ChunkedReadStatus.Rejected;

                case Mode.TrailerFields:
                    // Trailer bytes count against the header budget, not the body size (as in Kestrel).
                    Http1ParseStatus fields = parser.ParseTrailers(ref trailers, ref reader, out rejection);
                    if (fields == Http1ParseStatus.Complete)
                    {
                        _mode = Mode.Complete;
                        return ChunkedReadStatus.Complete;
                    }

                    return fields == Http1ParseStatus.Rejected ? ChunkedReadStatus.Rejected : ChunkedReadStatus.NeedMoreData;

                default:
                    return ChunkedReadStatus.Complete;
            }
        }
    }

    /// <summary>chunk-size [ ";" ...] CRLF: consumed only once the whole size is there, as Kestrel re-reads it.</summary>
    private bool TakePrefix(ref SequenceReader<byte> reader, ref RequestRejectionReason rejection)
    {
        SequenceReader<byte> probe = reader;
        long start = reader.Consumed;
        if (!probe.TryRead(out byte current) || !probe.TryRead(out byte next))
        {
            return false;
        }

        if (!Http1Characters.IsHexDigit(current))
        {
            rejection = RequestRejectionReason.BadChunkSizeData;
            return false;
        }

        long size = Http1Characters.HexValue(current);
        current = next;
        while (probe.Consumed - start < MaxChunkPrefixBytes)
        {
            if (current == (byte)';')
            {
                return EndPrefix(ref reader, probe.Consumed - start, size, Mode.Extension, ref rejection);
            }

            if (!probe.TryRead(out next))
            {
                return false;
            }

            if (current == (byte)'\r' && next == (byte)'\n')
            {
                return EndPrefix(ref reader, probe.Consumed - start, size, size > 0 ? Mode.Data : Mode.Trailer, ref rejection);
            }

            if (!Http1Characters.IsHexDigit(current))
            {
                rejection = RequestRejectionReason.BadChunkSizeData;
                return false;
            }

            size = (size * 16) + Http1Characters.HexValue(current);
            if (size > int.MaxValue)
            {
                rejection = RequestRejectionReason.ChunkSizeOverflow;
                return false;
            }

            current = next;
        }

        rejection = RequestRejectionReason.BadChunkSizeData;
        return false;
    }

    private bool EndPrefix(ref SequenceReader<byte> reader, long length, long size, Mode next, ref RequestRejectionReason rejection)
    {
        reader.Advance(length);
        _chunkRemaining = size;
        _mode = next;
        return Observe(length, ref rejection);
    }

    /// <summary>
    /// chunk-ext is skipped, not interpreted, as Kestrel does: any bytes up to the CRLF. A bare LF or a CR not followed
    /// by LF is refused, so that no proxy in front can end the line somewhere else (request smuggling, CVE-2025-55315).
    /// </summary>
    private bool TakeExtension(ref SequenceReader<byte> reader, ref RequestRejectionReason rejection)
    {
        while (!reader.End)
        {
            ReadOnlySpan<byte> span = reader.UnreadSpan;
            int end = span.IndexOfAny(Http1Characters.CrOrLf);
            if (end < 0)
            {
                reader.Advance(span.Length);
                if (!Observe(span.Length, ref rejection))
                {
                    return false;
                }

                continue;
            }

            // The bytes before the line end are skipped now, the CR only once the byte after it is here.
            reader.Advance(end);
            if (!Observe(end, ref rejection))
            {
                return false;
            }

            if (span[end] == (byte)'\n' || !reader.TryPeek(1, out byte next))
            {
                rejection = span[end] == (byte)'\n' ? RequestRejectionReason.BadChunkExtension : RequestRejectionReason.None;
                return false;
            }

            if (next != (byte)'\n')
            {
                rejection = RequestRejectionReason.BadChunkExtension;
                return false;
            }

            reader.Advance(2);
            _mode = _chunkRemaining > 0 ? Mode.Data : Mode.Trailer;
            return Observe(2, ref rejection);
        }

        return false;
    }

    private bool Observe(long bytes, ref RequestRejectionReason rejection)
    {
        _observedBytes += bytes;
        if (_observedBytes > _maxBodySize)
        {
            rejection = RequestRejectionReason.RequestBodyTooLarge;
            return false;
        }

        return true;
    }
}
