using Npgsql;

namespace Zokio.Samples.WebApi.TechEmpower;

/// <summary>
/// The queries of TechEmpower's database tests over one pooled <see cref="NpgsqlDataSource"/>. Pooling, prepared
/// statements (<c>Max Auto Prepare</c>) and multiplexing are the connection string's business, so the benchmark can
/// measure them both ways without a rebuild.
/// </summary>
public sealed class TechEmpowerDatabase(NpgsqlDataSource dataSource)
{
    /// <summary>Rows in the World table; ids run from 1 to this.</summary>
    public const int WorldRows = 10_000;

    private const string SelectWorld = "SELECT id, randomnumber FROM world WHERE id = $1";
    private const string SelectFortunes = "SELECT id, message FROM fortune";
    private const string UpdateWorld = "UPDATE world SET randomnumber = $1 WHERE id = $2";

    /// <summary>The single query test: one random row.</summary>
    public async Task<World> LoadWorldAsync()
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync();
        return (await ReadWorldsAsync(connection, [RandomId()]))[0];
    }

    /// <summary>The multiple queries test: <paramref name="count"/> random rows, one query each.</summary>
    public async Task<World[]> LoadWorldsAsync(int count)
    {
        int[] ids = new int[count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = RandomId();
        }

        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync();
        return await ReadWorldsAsync(connection, ids);
    }

    /// <summary>The updates test: reads <paramref name="count"/> random rows one by one, gives each a new random number and writes them back in one batch.</summary>
    public async Task<World[]> UpdateWorldsAsync(int count)
    {
        // Distinct ids in ascending order: the batch runs as one implicit transaction, so concurrent requests lock
        // their rows in the same order and never deadlock (a deadlock error would fail the benchmark run).
        SortedSet<int> distinct = [];
        while (distinct.Count < count)
        {
            distinct.Add(RandomId());
        }

        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync();
        World[] worlds = await ReadWorldsAsync(connection, [.. distinct]);
        await using NpgsqlBatch batch = new(connection);
        for (int i = 0; i < worlds.Length; i++)
        {
            worlds[i] = worlds[i] with { RandomNumber = RandomId() };
            batch.BatchCommands.Add(new NpgsqlBatchCommand(UpdateWorld)
            {
                Parameters = { new NpgsqlParameter<int> { TypedValue = worlds[i].RandomNumber }, new NpgsqlParameter<int> { TypedValue = worlds[i].Id } },
            });
        }

        await batch.ExecuteNonQueryAsync();
        return worlds;
    }

    /// <summary>The fortunes test's rows, as stored (the caller adds its own and sorts).</summary>
    public async Task<List<Fortune>> LoadFortunesAsync()
    {
        List<Fortune> fortunes = new(16);
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync();
        await using NpgsqlCommand command = new(SelectFortunes, connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            fortunes.Add(new Fortune(reader.GetInt32(0), reader.GetString(1)));
        }

        return fortunes;
    }

    // One query per row, each awaited before the next: the tests measure round trips, and TechEmpower's rules forbid
    // fetching the rows with one query.
    private static async Task<World[]> ReadWorldsAsync(NpgsqlConnection connection, int[] ids)
    {
        NpgsqlParameter<int> id = new();
        await using NpgsqlCommand command = new(SelectWorld, connection) { Parameters = { id } };
        World[] worlds = new World[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            id.TypedValue = ids[i];
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException($"World row {ids[i]} does not exist; the table must hold ids 1 to {WorldRows} (bench/db/setup.sh creates it).");
            }

            worlds[i] = new World(reader.GetInt32(0), reader.GetInt32(1));
        }

        return worlds;
    }

    private static int RandomId() => Random.Shared.Next(1, WorldRows + 1);
}
