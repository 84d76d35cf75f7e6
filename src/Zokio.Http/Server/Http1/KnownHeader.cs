using System.Text;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// Request header names matched from a fixed table, so the connection can store their values without hashing or
/// allocating a name string. <see cref="Unknown"/> for every other name.
/// </summary>
internal enum KnownHeader : byte
{
    Unknown,
    Accept,
    AcceptEncoding,
    AcceptLanguage,
    Authorization,
    CacheControl,
    Connection,
    ContentLength,
    ContentType,
    Cookie,
    Expect,
    Host,
    IfModifiedSince,
    IfNoneMatch,
    Origin,
    Referer,
    TE,
    TransferEncoding,
    Upgrade,
    UserAgent,
}

/// <summary>Matches a header name (case-insensitively, as RFC 9110 section 5.1 requires) to a <see cref="KnownHeader"/>.</summary>
internal static class KnownHeaders
{
    public static KnownHeader Match(ReadOnlySpan<byte> name)
    {
        // A switch on length first keeps the comparisons to one or two per name.
        return name.Length switch
        {
            2 => Is(name, "te"u8) ? KnownHeader.TE : KnownHeader.Unknown,
            4 => Is(name, "host"u8) ? KnownHeader.Host : KnownHeader.Unknown,
            6 => Is(name, "accept"u8) ? KnownHeader.Accept
                : Is(name, "cookie"u8) ? KnownHeader.Cookie
                : Is(name, "expect"u8) ? KnownHeader.Expect
                : Is(name, "origin"u8) ? KnownHeader.Origin
                : KnownHeader.Unknown,
            7 => Is(name, "referer"u8) ? KnownHeader.Referer
                : Is(name, "upgrade"u8) ? KnownHeader.Upgrade
                : KnownHeader.Unknown,
            10 => Is(name, "connection"u8) ? KnownHeader.Connection
                : Is(name, "user-agent"u8) ? KnownHeader.UserAgent
                : KnownHeader.Unknown,
            12 => Is(name, "content-type"u8) ? KnownHeader.ContentType : KnownHeader.Unknown,
            13 => Is(name, "authorization"u8) ? KnownHeader.Authorization
                : Is(name, "cache-control"u8) ? KnownHeader.CacheControl
                : Is(name, "if-none-match"u8) ? KnownHeader.IfNoneMatch
                : KnownHeader.Unknown,
            14 => Is(name, "content-length"u8) ? KnownHeader.ContentLength : KnownHeader.Unknown,
            15 => Is(name, "accept-encoding"u8) ? KnownHeader.AcceptEncoding
                : Is(name, "accept-language"u8) ? KnownHeader.AcceptLanguage
                : KnownHeader.Unknown,
            17 => Is(name, "transfer-encoding"u8) ? KnownHeader.TransferEncoding
                : Is(name, "if-modified-since"u8) ? KnownHeader.IfModifiedSince
                : KnownHeader.Unknown,
            _ => KnownHeader.Unknown,
        };
    }

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase) => Ascii.EqualsIgnoreCase(name, lowerCase);
}
