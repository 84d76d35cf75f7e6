using System.Text.Json.Serialization;

namespace Zokio.Samples.WebApi.TechEmpower;

/// <summary>Serializes the database tests' rows without reflection, in TechEmpower's camelCase.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(World))]
[JsonSerializable(typeof(World[]))]
public sealed partial class TechEmpowerJsonContext : JsonSerializerContext;
