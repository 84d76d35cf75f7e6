using System.Text.Json.Serialization;

namespace Zokio.Samples.WebApi;

/// <summary>The JSON test's payload.</summary>
public sealed record JsonMessage(string Message);

/// <summary>Serializes the sample's payloads without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonMessage))]
public sealed partial class SampleJsonContext : JsonSerializerContext;
