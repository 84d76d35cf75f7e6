using System.Globalization;
using Npgsql;
using Zokio.BenchClient;

// bench/run.sh's own clients. Usage:
//   Zokio.BenchClient validate <db|queries|fortunes|updates|ws-echo> <base-url> [connection-string]
//       checks the server's answers as TechEmpower's verifier does; prints every problem and exits 1 if any
//   Zokio.BenchClient ws-echo <ws-url> [--connections N] [--duration S] [--message-bytes B] [--rate R]
//       WebSocket echo load; prints one ZOKIO_BENCH summary line (as bench/wrk/report.lua does for wrk)
return args switch
{
    ["validate", string test, string baseUrl, .. string[] rest] when rest.Length <= 1 => await ValidateAsync(test, new Uri(baseUrl), rest.FirstOrDefault()),
    ["ws-echo", string url, .. string[] options] => await WebSocketEchoAsync(new Uri(url), options),
    _ => Usage(),
};

static async Task<int> ValidateAsync(string test, Uri baseUrl, string? connectionString)
{
    using HttpClient http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    await using NpgsqlDataSource? db = string.IsNullOrEmpty(connectionString) ? null : NpgsqlDataSource.Create(connectionString);
    IReadOnlyList<string> problems = await new TechEmpowerValidator(http, db).ValidateAsync(test);
    foreach (string problem in problems)
    {
        Console.Error.WriteLine(problem);
    }

    Console.WriteLine(problems.Count == 0 ? $"{test}: valid" : $"{test}: {problems.Count} problem(s)");
    return problems.Count == 0 ? 0 : 1;
}

static async Task<int> WebSocketEchoAsync(Uri url, string[] options)
{
    int connections = 256, messageBytes = 32;
    double seconds = 10;
    double? rate = null;
    for (int i = 0; i + 1 < options.Length; i += 2)
    {
        string value = options[i + 1];
        switch (options[i])
        {
            case "--connections": connections = int.Parse(value, CultureInfo.InvariantCulture); break;
            case "--duration": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
            case "--message-bytes": messageBytes = int.Parse(value, CultureInfo.InvariantCulture); break;
            case "--rate": rate = double.Parse(value, CultureInfo.InvariantCulture); break;
            default: return Usage();
        }
    }

    if (options.Length % 2 != 0 || connections < 1 || seconds <= 0 || messageBytes is < 1 or > WebSocketEchoConnection.MaxMessageBytes || rate <= 0)
    {
        return Usage();
    }

    LoadSummary summary = await WebSocketEchoLoad.RunAsync(url, connections, TimeSpan.FromSeconds(seconds), messageBytes, rate);
    Console.WriteLine(summary.ToBenchLine());
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Zokio.BenchClient validate <db|queries|fortunes|updates|ws-echo> <base-url> [connection-string]");
    Console.Error.WriteLine($"       Zokio.BenchClient ws-echo <ws-url> [--connections N] [--duration S] [--message-bytes 1..{WebSocketEchoConnection.MaxMessageBytes}] [--rate R]");
    return 2;
}
