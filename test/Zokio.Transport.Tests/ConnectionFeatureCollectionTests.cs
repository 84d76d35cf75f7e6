using Microsoft.AspNetCore.Connections.Features;
using Zokio.Transport.Internal;

namespace Zokio.Transport.Tests;

/// <summary>The connection's feature collection keeps FeatureCollection's semantics: set, replace, remove, revision.</summary>
public class ConnectionFeatureCollectionTests
{
    private sealed class Heartbeat : IConnectionHeartbeatFeature
    {
        public void OnHeartbeat(Action<object> action, object state)
        {
        }
    }

    private sealed class Completion : IConnectionCompleteFeature
    {
        public void OnCompleted(Func<object, Task> callback, object state)
        {
        }
    }

    [Fact]
    public void Features_are_set_replaced_and_removed_by_type_and_every_change_bumps_the_revision()
    {
        ConnectionFeatureCollection features = new();
        Assert.False(features.IsReadOnly);
        Assert.Null(features.Get<IConnectionHeartbeatFeature>());

        Heartbeat first = new();
        features.Set<IConnectionHeartbeatFeature>(first);
        Completion completion = new();
        features.Set<IConnectionCompleteFeature>(completion);
        Assert.Same(first, features.Get<IConnectionHeartbeatFeature>());
        Assert.Same(completion, features[typeof(IConnectionCompleteFeature)]);
        Assert.Equal(2, features.Revision);

        Heartbeat second = new();
        features[typeof(IConnectionHeartbeatFeature)] = second;
        Assert.Same(second, features.Get<IConnectionHeartbeatFeature>());
        Assert.Equal(2, features.Count());

        features.Set<IConnectionHeartbeatFeature>(null);
        Assert.Null(features.Get<IConnectionHeartbeatFeature>());
        Assert.Same(completion, features.Get<IConnectionCompleteFeature>());
        Assert.Equal(new[] { typeof(IConnectionCompleteFeature) }, features.Select(pair => pair.Key));
        Assert.Equal(4, features.Revision);

        // Removing what is not there changes nothing, the revision included, as in FeatureCollection.
        features.Set<IConnectionHeartbeatFeature>(null);
        Assert.Single(features);
        Assert.Equal(4, features.Revision);
        Assert.Throws<ArgumentNullException>(() => features[null!]);
    }

    [Fact]
    public void The_collection_grows_past_its_initial_capacity_and_keeps_every_feature()
    {
        ConnectionFeatureCollection features = new();
        Type[] keys = typeof(object).Assembly.GetExportedTypes().Take(40).ToArray();
        foreach (Type key in keys)
        {
            features[key] = key.Name;
        }

        foreach (Type key in keys)
        {
            Assert.Equal(key.Name, features[key]);
        }

        Assert.Equal(keys.Length, features.Count());
    }
}
