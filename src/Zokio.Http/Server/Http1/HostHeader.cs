namespace Zokio.Http.Server.Http1;

/// <summary>Host field-value validation (RFC 9110 section 7.2) with the character set Kestrel and Http.Sys accept.</summary>
internal static class HostHeader
{
    public static bool IsValid(ReadOnlySpan<byte> host)
    {
        if (host.IsEmpty)
        {
            // An empty Host is allowed when the target has no authority (RFC 9112 section 3.2).
            return true;
        }

        if (host[0] == (byte)'[')
        {
            return IsValidIPv6(host);
        }

        if (host[0] == (byte)':')
        {
            return false;
        }

        int invalid = host.IndexOfAnyExcept(Http1Characters.Host);
        return invalid < 0 || IsValidPort(host[invalid..]);
    }

    private static bool IsValidIPv6(ReadOnlySpan<byte> host)
    {
        for (int i = 1; i < host.Length; i++)
        {
            byte ch = host[i];
            if (ch == (byte)']')
            {
                // "[::1]" is the shortest address.
                return i >= 4 && (i + 1 == host.Length || IsValidPort(host[(i + 1)..]));
            }

            if (!Http1Characters.IsHexDigit(ch) && ch != (byte)':' && ch != (byte)'.')
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>":" followed by at least one digit and nothing else.</summary>
    private static bool IsValidPort(ReadOnlySpan<byte> rest) =>
        rest.Length > 1 && rest[0] == (byte)':' && !rest[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9');
}
