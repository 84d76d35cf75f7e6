using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// A header dictionary with a slot for each name of a fixed table (the headers the server itself reads and those
/// applications commonly use), so that storing or finding them is an array index after a length switch, not a hash;
/// other names go to a dictionary created when the first one comes. Content-Length is kept as a number: setting and
/// reading <see cref="ContentLength"/> never formats or parses text, which happens only when someone uses the
/// "Content-Length" entry by name. As in Kestrel's collections, an empty value removes a header, the
/// <see cref="IDictionary{TKey, TValue}"/> indexer throws for a missing name where the
/// <see cref="IHeaderDictionary"/> one returns an empty value, and enumeration gives the slots in table order, then
/// the other names.
/// </summary>
internal abstract class Http1Headers : IHeaderDictionary
{
    private readonly HeaderNameTable _table;
    private readonly StringValues[] _slots;
    private Dictionary<string, StringValues>? _others;
    private long? _contentLength;
    // The last Content-Length turned into text, kept so that reading the same number again allocates nothing.
    private string? _contentLengthText;
    private long _contentLengthTextValue;

    /// <param name="table">The names that get a slot; shared by every collection of the same kind.</param>
    protected Http1Headers(HeaderNameTable table)
    {
        _table = table;
        _slots = new StringValues[table.Count];
    }

    /// <summary>The slots' values, indexed as the table; a slot whose value has no entry is absent.</summary>
    protected StringValues[] Slots => _slots;

    /// <summary>The headers whose names have no slot, or null before the first one.</summary>
    protected Dictionary<string, StringValues>? Others => _others;

    /// <summary>The headers whose names have no slot, the dictionary created if this is the first.</summary>
    protected Dictionary<string, StringValues> EnsureOthers() => _others ??= new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public long? ContentLength
    {
        get => _contentLength;
        set
        {
            ThrowIfReadOnly();
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A Content-Length cannot be negative.");
            }

            _contentLength = value;
        }
    }

    /// <summary>True once the response has started (only response headers become read-only).</summary>
    public bool IsReadOnly { get; protected set; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            int count = _others?.Count ?? 0;
            foreach (StringValues value in _slots)
            {
                count += value.Count == 0 ? 0 : 1;
            }

            return _contentLength is null ? count : count + 1;
        }
    }

    /// <summary>The value of <paramref name="key"/>, or an empty value when it is absent. Setting an empty value removes it.</summary>
    public StringValues this[string key]
    {
        get => TryGetValue(key, out StringValues value) ? value : default;
        set
        {
            ThrowIfReadOnly();
            ThrowIfEmptyName(key);
            if (value.Count == 0)
            {
                RemoveEntry(key);
            }
            else
            {
                SetEntry(key, value);
            }
        }
    }

    /// <summary>As Kestrel's: unlike <see cref="IHeaderDictionary"/>'s indexer, a missing name throws.</summary>
    StringValues IDictionary<string, StringValues>.this[string key]
    {
        get => TryGetValue(key, out StringValues value) ? value : throw new KeyNotFoundException($"The header '{key}' is not present.");
        set => this[key] = value;
    }

    /// <inheritdoc/>
    public ICollection<string> Keys => this.Select(header => header.Key).ToList();

    /// <inheritdoc/>
    public ICollection<StringValues> Values => this.Select(header => header.Value).ToList();

    /// <inheritdoc/>
    public bool TryGetValue(string key, out StringValues value)
    {
        ArgumentNullException.ThrowIfNull(key);
        int slot = _table.IndexOf(key);
        if (slot < 0)
        {
            value = default;
            return _others?.TryGetValue(key, out value) ?? false;
        }

        if (slot == _table.ContentLengthSlot)
        {
            value = _contentLength is { } length ? ContentLengthText(length) : default;
        }
        else
        {
            value = _slots[slot];
        }

        return value.Count != 0;
    }

    /// <inheritdoc/>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <summary>Adds a header that is not present; as Kestrel, an empty value adds nothing.</summary>
    public void Add(string key, StringValues value)
    {
        ThrowIfReadOnly();
        ThrowIfEmptyName(key);
        if (value.Count == 0)
        {
            return;
        }

        if (ContainsKey(key))
        {
            throw new ArgumentException($"An item with the same key has already been added. Key: {key}", nameof(key));
        }

        SetEntry(key, value);
    }

    /// <inheritdoc/>
    public void Add(KeyValuePair<string, StringValues> item) => Add(item.Key, item.Value);

    /// <inheritdoc/>
    public bool Remove(string key)
    {
        ThrowIfReadOnly();
        ArgumentNullException.ThrowIfNull(key);
        return RemoveEntry(key);
    }

    /// <inheritdoc/>
    public bool Remove(KeyValuePair<string, StringValues> item) => Contains(item) && Remove(item.Key);

    /// <inheritdoc/>
    public bool Contains(KeyValuePair<string, StringValues> item) => TryGetValue(item.Key, out StringValues value) && value.Equals(item.Value);

    /// <inheritdoc/>
    public void Clear()
    {
        ThrowIfReadOnly();
        ClearEntries();
    }

    /// <inheritdoc/>
    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
        if (array.Length - arrayIndex < Count)
        {
            throw new ArgumentException("The array is too small for the headers from the given index.", nameof(array));
        }

        foreach (KeyValuePair<string, StringValues> header in this)
        {
            array[arrayIndex++] = header;
        }
    }

    /// <summary>Enumerates the headers present without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, StringValues>> IEnumerable<KeyValuePair<string, StringValues>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Readies the collection for the next request: empty and writable; nothing is freed, so nothing is allocated again.</summary>
    public virtual void Reset()
    {
        IsReadOnly = false;
        ClearEntries();
    }

    /// <summary>
    /// Content-Length set by name, parsed as Kestrel parses it: digits only, no sign or whitespace, one value.
    /// </summary>
    private void SetContentLength(StringValues value)
    {
        string text = value.ToString();
        if (!HeaderUtilities.TryParseNonNegativeInt64(text, out long length))
        {
            throw InvalidContentLength(text);
        }

        _contentLength = length;
        if (text.Length == 1 || text[0] != '0')
        {
            // Already the number's canonical text (no leading zeros): reading it back by name needs no new string.
            _contentLengthText = text;
            _contentLengthTextValue = length;
        }
    }

    private string ContentLengthText(long length)
    {
        if (_contentLengthText is null || _contentLengthTextValue != length)
        {
            _contentLengthText = length.ToString(CultureInfo.InvariantCulture);
            _contentLengthTextValue = length;
        }

        return _contentLengthText;
    }

    private void SetEntry(string key, StringValues value)
    {
        int slot = _table.IndexOf(key);
        if (slot < 0)
        {
            CheckEntry(key, known: false, value);
            EnsureOthers()[key] = value;
        }
        else if (slot == _table.ContentLengthSlot)
        {
            SetContentLength(value);
        }
        else
        {
            CheckEntry(key, known: true, value);
            _slots[slot] = value;
        }
    }

    /// <summary>What setting Content-Length by name to <paramref name="text"/>, not a number, throws.</summary>
    protected virtual Exception InvalidContentLength(string text) =>
        new InvalidOperationException($"Invalid Content-Length: \"{text}\". Value must be a positive integral number.");

    /// <summary>
    /// Called before a value is stored by name (the indexer or <see cref="Add(string, StringValues)"/>; not for
    /// Content-Length, which is parsed instead): throw to refuse it. <paramref name="known"/>: the name has a slot.
    /// </summary>
    protected virtual void CheckEntry(string key, bool known, StringValues value)
    {
    }

    private bool RemoveEntry(string key)
    {
        int slot = _table.IndexOf(key);
        if (slot < 0)
        {
            return _others?.Remove(key) ?? false;
        }

        bool present;
        if (slot == _table.ContentLengthSlot)
        {
            present = _contentLength is not null;
            _contentLength = null;
        }
        else
        {
            present = _slots[slot].Count != 0;
            _slots[slot] = default;
        }

        return present;
    }

    private void ClearEntries()
    {
        Array.Clear(_slots);
        _others?.Clear();
        _contentLength = null;
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException("The response headers cannot be modified because the response has already started.");
        }
    }

    private static void ThrowIfEmptyName([NotNull] string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            // Kestrel's check and message, for null as for empty.
            throw new InvalidOperationException("Invalid empty header name.");
        }
    }

    /// <summary>The headers present: the slots in table order (Content-Length at its slot), then the other names.</summary>
    public struct Enumerator : IEnumerator<KeyValuePair<string, StringValues>>
    {
        private readonly Http1Headers _headers;
        private int _slot;
        private bool _inOthers;
        private Dictionary<string, StringValues>.Enumerator _others;
        private KeyValuePair<string, StringValues> _current;

        internal Enumerator(Http1Headers headers)
        {
            _headers = headers;
            _slot = -1;
            _inOthers = false;
            _others = default;
            _current = default;
        }

        /// <inheritdoc/>
        public readonly KeyValuePair<string, StringValues> Current => _current;

        object IEnumerator.Current => _current;

        /// <inheritdoc/>
        public bool MoveNext()
        {
            Http1Headers headers = _headers;
            while (!_inOthers && ++_slot < headers._slots.Length)
            {
                StringValues value = _slot == headers._table.ContentLengthSlot && headers._contentLength is { } length
                    ? headers.ContentLengthText(length)
                    : headers._slots[_slot];
                if (value.Count != 0)
                {
                    _current = new KeyValuePair<string, StringValues>(headers._table.NameAt(_slot), value);
                    return true;
                }
            }

            if (!_inOthers)
            {
                if (headers._others is null)
                {
                    return false;
                }

                _inOthers = true;
                _others = headers._others.GetEnumerator();
            }

            if (_others.MoveNext())
            {
                _current = _others.Current;
                return true;
            }

            return false;
        }

        /// <inheritdoc/>
        public void Reset() => this = new Enumerator(_headers);

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}
