namespace Zokio.Http.Server.Http1;

/// <summary>
/// Checks the chunk-ext of a chunk-size line byte by byte (RFC 9112 section 7.1.1) and discards it, as Kestrel does:
/// <c>*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] ) CRLF</c>. Strict so that no byte, a bare LF
/// least of all, can be read one way here and another way by a proxy in front (request smuggling).
/// </summary>
internal struct ChunkExtensionParser
{
    private State _state;

    private enum State : byte
    {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        TokenValue,
        QuotedValue,
        QuotedPair,
        AfterQuotedValue,
        StartOfNext,
        ExpectLf,
    }

    /// <summary>Starts after the first ";" of an extension.</summary>
    public void Reset() => _state = State.BeforeName;

    /// <summary>
    /// Consumes bytes of <paramref name="input"/> until the extension's CRLF. Returns the count consumed;
    /// <paramref name="complete"/> is set once the LF is taken.
    /// </summary>
    public int Consume(ReadOnlySpan<byte> input, out bool complete, out RequestRejectionReason rejection)
    {
        complete = false;
        rejection = RequestRejectionReason.None;
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            bool ok = Step(b);
            if (!ok)
            {
                rejection = RequestRejectionReason.BadChunkExtension;
                return i;
            }

            if (_state == State.ExpectLf && b == (byte)'\n')
            {
                complete = true;
                return i + 1;
            }
        }

        return input.Length;
    }

    private bool Step(byte b)
    {
        bool bws = b == (byte)' ' || b == (byte)'\t';
        bool tchar = Http1Characters.Token.Contains(b);
        switch (_state)
        {
            case State.StartOfNext:
                if (bws)
                {
                    return true;
                }

                if (b == (byte)';')
                {
                    _state = State.BeforeName;
                    return true;
                }

                return false;

            case State.BeforeName:
                if (bws)
                {
                    return true;
                }

                if (tchar)
                {
                    _state = State.Name;
                    return true;
                }

                return false;

            case State.Name:
                if (tchar)
                {
                    return true;
                }

                return After(b, bws, allowEquals: true, whitespaceState: State.AfterName);

            case State.AfterName:
                if (bws)
                {
                    return true;
                }

                if (b == (byte)'=')
                {
                    _state = State.BeforeValue;
                    return true;
                }

                if (b == (byte)';')
                {
                    _state = State.BeforeName;
                    return true;
                }

                return false;

            case State.BeforeValue:
                if (bws)
                {
                    return true;
                }

                if (tchar)
                {
                    _state = State.TokenValue;
                    return true;
                }

                if (b == (byte)'"')
                {
                    _state = State.QuotedValue;
                    return true;
                }

                return false;

            case State.TokenValue:
                if (tchar)
                {
                    return true;
                }

                return After(b, bws, allowEquals: false, whitespaceState: State.StartOfNext);

            case State.QuotedValue:
                if (b == (byte)'\\')
                {
                    _state = State.QuotedPair;
                    return true;
                }

                if (b == (byte)'"')
                {
                    _state = State.AfterQuotedValue;
                    return true;
                }

                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                return b == (byte)'\t' || (b >= 0x20 && b != 0x7F);

            case State.QuotedPair:
                if (b == (byte)'\t' || (b >= 0x20 && b != 0x7F))
                {
                    _state = State.QuotedValue;
                    return true;
                }

                return false;

            case State.AfterQuotedValue:
                return After(b, bws, allowEquals: false, whitespaceState: State.StartOfNext);

            case State.ExpectLf:
                return b == (byte)'\n';

            default:
                return false;
        }
    }

    /// <summary>What may follow a name or a value: CR (end), ";" (next extension), whitespace, or "=" after a name.</summary>
    private bool After(byte b, bool bws, bool allowEquals, State whitespaceState)
    {
        if (b == (byte)'\r')
        {
            _state = State.ExpectLf;
            return true;
        }

        if (b == (byte)';')
        {
            _state = State.BeforeName;
            return true;
        }

        if (allowEquals && b == (byte)'=')
        {
            _state = State.BeforeValue;
            return true;
        }

        if (bws)
        {
            _state = whitespaceState;
            return true;
        }

        return false;
    }
}
