using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// A fixed set of header names, each with a slot number (its index in the array given), found from a name string
/// without hashing or allocating: the names are grouped by length, so a lookup compares the given name with the one
/// or two known names of the same length. Callers mostly pass the <see cref="HeaderNames"/> constants themselves, which
/// are matched by reference before any characters are compared.
/// </summary>
internal sealed class HeaderNameTable
{
    private readonly string?[] _names;
    private readonly int[][] _slotsByLength;

    /// <param name="names">The canonical names in slot order; a null entry is a slot with no name (never found).</param>
    public HeaderNameTable(string?[] names)
    {
        _names = names;
        int longest = names.Max(name => name?.Length ?? 0);
        _slotsByLength = new int[longest + 1][];
        for (int length = 0; length <= longest; length++)
        {
            _slotsByLength[length] = Enumerable.Range(0, names.Length).Where(slot => names[slot]?.Length == length).ToArray();
        }

        ContentLengthSlot = IndexOf(HeaderNames.ContentLength);
    }

    /// <summary>The number of slots.</summary>
    public int Count => _names.Length;

    /// <summary>
    /// The slot of Content-Length, which the collections keep as a number rather than as text (-1: not in the table).
    /// </summary>
    public int ContentLengthSlot { get; }

    /// <summary>The canonical name of <paramref name="slot"/>.</summary>
    public string NameAt(int slot) => _names[slot]!;

    /// <summary>The slot of <paramref name="name"/> (compared case-insensitively, RFC 9110 section 5.1), or -1.</summary>
    public int IndexOf(string name)
    {
        if ((uint)name.Length < (uint)_slotsByLength.Length)
        {
            int[] candidates = _slotsByLength[name.Length];
            // The HeaderNames constants themselves first: a pointer compare each, no call.
            foreach (int slot in candidates)
            {
                if (ReferenceEquals(_names[slot], name))
                {
                    return slot;
                }
            }

            foreach (int slot in candidates)
            {
                if (string.Equals(_names[slot], name, StringComparison.OrdinalIgnoreCase))
                {
                    return slot;
                }
            }
        }

        return -1;
    }
}
