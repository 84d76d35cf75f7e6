using System.Text.Json.Serialization;

namespace Zokio.Http.Dashboard;

/// <summary>Source-generated JSON for the dashboard's endpoints: no reflection, trim- and AOT-safe.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DashboardSnapshot))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
