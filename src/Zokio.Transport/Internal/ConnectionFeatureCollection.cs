using System.Collections;
using Microsoft.AspNetCore.Http.Features;

namespace Zokio.Transport.Internal;

/// <summary>
/// A connection's features, kept in a short array searched by type identity.
/// </summary>
/// <remarks>
/// Kestrel asks the connection's collection, on every request, for each feature the request's own collection lacks
/// (IEndpointFeature, IHttpWebSocketFeature, ...), so most lookups here are misses. With a Dictionary keyed by Type
/// (<see cref="FeatureCollection"/>) those misses took 1.6 % of the server's core under wrk plaintext; a connection holds
/// about a dozen features, and a miss here is that many reference compares. Not thread-safe, as FeatureCollection.
/// </remarks>
internal sealed class ConnectionFeatureCollection : IFeatureCollection
{
    // Zokio's 8, Kestrel's connection features (heartbeat, completion, lifetime notification, metrics) and TLS's 4.
    private const int InitialCapacity = 16;

    private KeyValuePair<Type, object>[] _features = new KeyValuePair<Type, object>[InitialCapacity];
    private int _count;
    private int _revision;

    public bool IsReadOnly => false;

    public int Revision => _revision;

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            int index = IndexOf(key);
            return index < 0 ? null : _features[index].Value;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            int index = IndexOf(key);
            if (value is null)
            {
                if (index < 0)
                {
                    // Nothing to remove: the revision stays, as FeatureCollection's.
                    return;
                }

                // Order carries no meaning: the last entry fills the gap.
                _count--;
                _features[index] = _features[_count];
                _features[_count] = default;
            }
            else if (index >= 0)
            {
                _features[index] = new KeyValuePair<Type, object>(key, value);
            }
            else
            {
                if (_count == _features.Length)
                {
                    Array.Resize(ref _features, _count * 2);
                }

                _features[_count++] = new KeyValuePair<Type, object>(key, value);
            }

            _revision++;
        }
    }

    public TFeature? Get<TFeature>()
    {
        object? feature = this[typeof(TFeature)];
        return feature is null ? default : (TFeature)feature;
    }

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return _features[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(Type key)
    {
        KeyValuePair<Type, object>[] features = _features;
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(features[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
