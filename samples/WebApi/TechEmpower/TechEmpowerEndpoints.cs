using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Zokio.Samples.WebApi.TechEmpower;

/// <summary>
/// TechEmpower's database tests (<c>/db</c>, <c>/queries</c>, <c>/fortunes</c>, <c>/updates</c>) on PostgreSQL through
/// Npgsql, served only when the connection string <c>ConnectionStrings:Db</c> is configured, so the sample runs
/// without a database.
/// </summary>
public static class TechEmpowerEndpoints
{
    /// <summary>The configured connection string's name: <c>--ConnectionStrings:Db=...</c> or <c>ConnectionStrings__Db</c>.</summary>
    public const string ConnectionStringName = "Db";

    /// <summary>The most rows <c>/queries</c> and <c>/updates</c> return, as TechEmpower's rules clamp them.</summary>
    public const int MaxQueries = 500;

    /// <summary>Registers the database when its connection string is configured.</summary>
    public static WebApplicationBuilder AddTechEmpowerDatabase(this WebApplicationBuilder builder)
    {
        string? connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrEmpty(connectionString))
        {
            // The container disposes the data source, and with it the pool's connections, when the app stops.
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
            builder.Services.AddSingleton<TechEmpowerDatabase>();
        }

        return builder;
    }

    /// <summary>Maps the four endpoints when <see cref="AddTechEmpowerDatabase"/> registered the database; otherwise does nothing.</summary>
    public static WebApplication MapTechEmpowerDatabase(this WebApplication app)
    {
        if (app.Services.GetService<TechEmpowerDatabase>() is not { } db)
        {
            return app;
        }

        app.MapGet("/db", async () => Json(await db.LoadWorldAsync(), TechEmpowerJsonContext.Default.World));
        app.MapGet("/queries", async (string? queries) => Json(await db.LoadWorldsAsync(QueryCount(queries)), TechEmpowerJsonContext.Default.WorldArray));
        app.MapGet("/updates", async (string? queries) => Json(await db.UpdateWorldsAsync(QueryCount(queries)), TechEmpowerJsonContext.Default.WorldArray));
        app.MapGet("/fortunes", async () => Results.Bytes(FortunesPage.Render(await db.LoadFortunesAsync()), "text/html; charset=utf-8"));
        return app;
    }

    /// <summary>TechEmpower's rule for the <c>queries</c> parameter: missing or not a number is 1, then clamped to 1–500.</summary>
    public static int QueryCount(string? queries) =>
        int.TryParse(queries, NumberStyles.Integer, CultureInfo.InvariantCulture, out int count) ? Math.Clamp(count, 1, MaxQueries) : 1;

    // Serialized to bytes first so the response carries Content-Length, as the sample's /json does.
    private static IResult Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        Results.Bytes(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), "application/json");
}
