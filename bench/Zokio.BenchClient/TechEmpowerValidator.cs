using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace Zokio.BenchClient;

/// <summary>
/// Checks a server's answers the way TechEmpower's verifier does before a database benchmark counts: status, headers,
/// row counts for every <c>queries</c> value the rules name, rows that really are the database's, updates that really
/// reach the database, fortunes complete, sorted and HTML-escaped. Also checks the WebSocket echo, close status included.
/// </summary>
public sealed partial class TechEmpowerValidator(HttpClient http, NpgsqlDataSource? db)
{
    /// <summary>What <see cref="ValidateAsync"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Tests = ["db", "queries", "fortunes", "updates", "ws-echo"];

    private const int WorldRows = 10_000;
    private const string AddedFortune = "Additional fortune added at request time.";
    private const string FortunesHead = "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>";
    private const string FortunesTail = "</table></body></html>";

    // The rules' cases for the queries parameter, with the row count each must produce.
    private static readonly (string Query, int Rows)[] s_queryCases =
        [("", 1), ("?queries=", 1), ("?queries=foo", 1), ("?queries=0", 1), ("?queries=1", 1), ("?queries=20", 20), ("?queries=500", 500), ("?queries=501", 500)];

    private readonly List<string> _problems = [];

    /// <summary>Runs the checks of <paramref name="test"/> (one of <see cref="Tests"/>) and returns every problem found; none means valid.</summary>
    public async Task<IReadOnlyList<string>> ValidateAsync(string test)
    {
        _problems.Clear();
        switch (test)
        {
            case "db":
                await ValidateDbAsync();
                break;
            case "queries":
                foreach ((string query, int rows) in s_queryCases)
                {
                    await ValidateQueriesAsync("/queries" + query, rows);
                }
                break;
            case "updates":
                foreach ((string query, int rows) in s_queryCases)
                {
                    await ValidateUpdatesAsync("/updates" + query, rows);
                }
                break;
            case "fortunes":
                await ValidateFortunesAsync();
                break;
            case "ws-echo":
                await ValidateWebSocketEchoAsync();
                break;
            default:
                throw new ArgumentException($"Unknown test '{test}'; known: {string.Join(", ", Tests)}.", nameof(test));
        }

        return [.. _problems];
    }

    private async Task ValidateDbAsync()
    {
        if (await GetAsync("/db", "application/json") is not { } body)
        {
            return;
        }

        using JsonDocument json = ParseJson("/db", body);
        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            Problem("/db", $"the body must be one JSON object; got {json.RootElement.ValueKind}: {Excerpt(body)}");
            return;
        }

        if (ReadWorld("/db", json.RootElement) is { } world)
        {
            await CheckRowsMatchDatabaseAsync("/db", [world]);
        }
    }

    private async Task ValidateQueriesAsync(string path, int expectedRows)
    {
        if (await ReadWorldArrayAsync(path, expectedRows) is { } worlds)
        {
            await CheckRowsMatchDatabaseAsync(path, worlds);
        }
    }

    private async Task ValidateUpdatesAsync(string path, int expectedRows)
    {
        Dictionary<int, int>? before = db is null ? null : await ReadAllWorldsAsync();
        if (await ReadWorldArrayAsync(path, expectedRows) is not { } worlds || before is null)
        {
            return;
        }

        // The response's numbers must be what the database now holds, and nothing else may have changed.
        Dictionary<int, int> after = await ReadAllWorldsAsync();
        HashSet<int> returned = [.. worlds.Select(w => w.Id)];
        foreach ((int id, int randomNumber) in worlds)
        {
            if (after.GetValueOrDefault(id) != randomNumber)
            {
                Problem(path, $"row {id} was returned with randomNumber {randomNumber} but the database holds {after.GetValueOrDefault(id)}: the update was not written");
            }
        }

        int[] changedElsewhere = [.. after.Where(row => !returned.Contains(row.Key) && before.GetValueOrDefault(row.Key) != row.Value).Select(row => row.Key)];
        if (changedElsewhere.Length > 0)
        {
            Problem(path, $"{changedElsewhere.Length} row(s) not in the response changed, e.g. id {changedElsewhere[0]}");
        }

        // Each new number is random in 1..10,000, so it equals the old one about once in 10,000 rows: 500 rows with
        // fewer than 450 changes means the rows were not really updated.
        int changed = worlds.Count(w => before.GetValueOrDefault(w.Id) != w.RandomNumber);
        if (expectedRows == 500 && changed < 450)
        {
            Problem(path, $"only {changed} of 500 returned rows differ from the database before the request");
        }
    }

    private async Task ValidateFortunesAsync()
    {
        if (await GetAsync("/fortunes", "text/html") is not { } body)
        {
            return;
        }

        // Whitespace between tags is allowed, as TechEmpower's verifier allows it.
        string page = BetweenTags().Replace(body.Trim(), "><");
        if (!page.StartsWith(FortunesHead, StringComparison.Ordinal) || !page.EndsWith(FortunesTail, StringComparison.Ordinal))
        {
            Problem("/fortunes", $"the page does not have the expected head and tail: {Excerpt(page)}");
            return;
        }

        string rows = page[FortunesHead.Length..^FortunesTail.Length];
        List<(int Id, string Message)> fortunes = [];
        int position = 0;
        // \G: each row must start where the previous one ended.
        foreach (Match row in FortuneRow().Matches(rows))
        {
            position = row.Index + row.Length;
            string raw = row.Groups[2].Value;
            // Every markup character must arrive escaped; & only as the start of an entity.
            if (raw.IndexOfAny(['<', '>', '"']) >= 0 || UnescapedAmpersand().IsMatch(raw))
            {
                Problem("/fortunes", $"message not HTML-escaped: {Excerpt(raw)}");
            }

            fortunes.Add((int.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture), WebUtility.HtmlDecode(raw)));
        }

        if (position != rows.Length)
        {
            Problem("/fortunes", $"unexpected markup after the rows: {Excerpt(rows[position..])}");
            return;
        }

        for (int i = 1; i < fortunes.Count; i++)
        {
            if (string.CompareOrdinal(fortunes[i - 1].Message, fortunes[i].Message) > 0)
            {
                Problem("/fortunes", $"not sorted by message: \"{fortunes[i - 1].Message}\" comes before \"{fortunes[i].Message}\"");
            }
        }

        if (db is not null)
        {
            List<(int Id, string Message)> expected = [(0, AddedFortune)];
            await using NpgsqlCommand command = db.CreateCommand("SELECT id, message FROM fortune");
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected.Add((reader.GetInt32(0), reader.GetString(1)));
            }

            string missing = string.Join("; ", expected.Except(fortunes).Select(f => $"{f.Id}: {f.Message}"));
            string extra = string.Join("; ", fortunes.Except(expected).Select(f => $"{f.Id}: {f.Message}"));
            if (missing.Length > 0 || extra.Length > 0 || fortunes.Count != expected.Count)
            {
                Problem("/fortunes", $"rows differ from the database's {expected.Count - 1} plus the added one; missing [{missing}], unexpected [{extra}], {fortunes.Count} row(s)");
            }
        }
    }

    private async Task ValidateWebSocketEchoAsync()
    {
        const WebSocketCloseStatus ClientStatus = (WebSocketCloseStatus)4321;
        const string ClientReason = "zokio bench done";
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
        using ClientWebSocket socket = new();
        Uri uri = new UriBuilder(http.BaseAddress!) { Scheme = http.BaseAddress!.Scheme == "https" ? "wss" : "ws", Path = "/ws" }.Uri;
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
            byte[] buffer = new byte[64 * 1024];
            foreach ((WebSocketMessageType type, int length) in new[] { (WebSocketMessageType.Text, 32), (WebSocketMessageType.Binary, 40_000) })
            {
                byte[] message = [.. Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26)))];
                await socket.SendAsync(message, type, endOfMessage: true, timeout.Token);
                int received = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(received), timeout.Token);
                    received += result.Count;
                }
                while (!result.EndOfMessage && received < buffer.Length);

                if (result.MessageType != type || !buffer.AsSpan(0, received).SequenceEqual(message))
                {
                    Problem("/ws", $"a {length}-byte {type} message came back as {received} byte(s) of {result.MessageType}, or with other bytes");
                }
            }

            await socket.CloseAsync(ClientStatus, ClientReason, timeout.Token);
            if (socket.CloseStatus != ClientStatus || socket.CloseStatusDescription != ClientReason)
            {
                Problem("/ws", $"closed with {(int?)socket.CloseStatus} \"{socket.CloseStatusDescription}\"; the echo must answer the client's {(int)ClientStatus} \"{ClientReason}\"");
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            Problem("/ws", $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<World[]?> ReadWorldArrayAsync(string path, int expectedRows)
    {
        if (await GetAsync(path, "application/json") is not { } body)
        {
            return null;
        }

        using JsonDocument json = ParseJson(path, body);
        if (json.RootElement.ValueKind != JsonValueKind.Array || json.RootElement.GetArrayLength() != expectedRows)
        {
            Problem(path, $"the body must be a JSON array of {expectedRows} row(s): {Excerpt(body)}");
            return null;
        }

        List<World> worlds = [];
        foreach (JsonElement element in json.RootElement.EnumerateArray())
        {
            if (ReadWorld(path, element) is { } world)
            {
                worlds.Add(world);
            }
        }

        return [.. worlds];
    }

    private World? ReadWorld(string path, JsonElement element)
    {
        // Property names are compared case-insensitively, as TechEmpower's verifier does.
        int? id = null, randomNumber = null;
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int value))
                {
                    continue;
                }

                if (property.Name.Equals("id", StringComparison.OrdinalIgnoreCase))
                {
                    id = value;
                }
                else if (property.Name.Equals("randomNumber", StringComparison.OrdinalIgnoreCase))
                {
                    randomNumber = value;
                }
            }
        }

        if (id is not (>= 1 and <= WorldRows) || randomNumber is not (>= 1 and <= WorldRows))
        {
            Problem(path, $"a row must be {{\"id\":1..{WorldRows},\"randomNumber\":1..{WorldRows}}}; got {Excerpt(element.GetRawText())}");
            return null;
        }

        return new World(id.Value, randomNumber.Value);
    }

    private async Task CheckRowsMatchDatabaseAsync(string path, IReadOnlyList<World> worlds)
    {
        if (db is null)
        {
            return;
        }

        Dictionary<int, int> stored = await ReadAllWorldsAsync();
        foreach ((int id, int randomNumber) in worlds)
        {
            if (stored.GetValueOrDefault(id) != randomNumber)
            {
                Problem(path, $"row {id} has randomNumber {randomNumber} but the database holds {stored.GetValueOrDefault(id)}");
            }
        }
    }

    private async Task<Dictionary<int, int>> ReadAllWorldsAsync()
    {
        Dictionary<int, int> rows = new(WorldRows);
        await using NpgsqlCommand command = db!.CreateCommand("SELECT id, randomnumber FROM world");
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return rows;
    }

    // The body of a 200 with the expected content type and the headers the rules require, or null after recording why not.
    private async Task<string?> GetAsync(string path, string mediaType)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Problem(path, $"status {(int)response.StatusCode}: {Excerpt(body)}");
            return null;
        }

        if (response.Content.Headers.ContentType is not { } type || !string.Equals(type.MediaType, mediaType, StringComparison.OrdinalIgnoreCase))
        {
            Problem(path, $"Content-Type must be {mediaType}; got '{response.Content.Headers.ContentType}'");
        }
        else if (mediaType == "text/html" && !string.Equals(type.CharSet, "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            Problem(path, $"Content-Type must say charset=utf-8; got '{type}'");
        }

        if (response.Headers.Server.Count == 0 || response.Headers.Date is null)
        {
            Problem(path, "the Server and Date headers are required");
        }

        return body;
    }

    private JsonDocument ParseJson(string path, string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            Problem(path, $"not JSON ({e.Message}): {Excerpt(body)}");
            return JsonDocument.Parse("null");
        }
    }

    private void Problem(string path, string what) => _problems.Add($"{http.BaseAddress}{path.TrimStart('/')}: {what}");

    private static string Excerpt(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");

    [GeneratedRegex(@">\s+<")]
    private static partial Regex BetweenTags();

    // Lazy up to the row's end, so an unescaped '<' inside a message is reported as such rather than as broken markup.
    [GeneratedRegex(@"\G<tr><td>(\d+)</td><td>(.*?)</td></tr>")]
    private static partial Regex FortuneRow();

    [GeneratedRegex(@"&(?!(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);)")]
    private static partial Regex UnescapedAmpersand();

    private readonly record struct World(int Id, int RandomNumber);
}
