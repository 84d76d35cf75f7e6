namespace Zokio.Bench;

/// <summary>
/// One scenario: the load that measures it, the one request that must succeed before it is measured, and the deeper
/// validation (Zokio.BenchClient validate) it gets first, if any. The table is <see cref="All"/>.
/// </summary>
/// <param name="Validation">The BenchClient validation test, run before the warm-up.</param>
/// <param name="Nginx">nginx takes part: it serves the same bytes without an app behind it.</param>
/// <param name="Database">TechEmpower's database tests: they need bench/db/setup.sh's PostgreSQL.</param>
/// <param name="CanBePaced">--rate can pace it (not plaintext-pipelined: wrk sends 16 requests per write).</param>
/// <param name="HoldsIdleConnections">The load runs while the server holds many idle connections (<see cref="IdleConnections"/>).</param>
internal sealed record Scenario(
    string Name, LoadSpec Load, Probe Probe, string? Validation = null, bool Nginx = false, bool Database = false,
    bool CanBePaced = true, bool HoldsIdleConnections = false)
{
    /// <summary>Messages per SayHellos call in grpc-stream (a one-byte varint in the request, so at most 127).</summary>
    public const int GrpcStreamMessages = 100;

    /// <summary>The h2c-post body.</summary>
    public const int H2cPostBytes = 65536;

    private static readonly Probe s_plaintext = new(Endpoint.Http1, "/plaintext", BodyIs: "Hello, World!");
    private static readonly Probe s_db = new(Endpoint.Http1, "/db");
    private static readonly Probe s_upload = new(Endpoint.Http1, "/upload", SendFile: "upload-probe.bin", BodyIs: "1048576", TimeoutS: 5);
    private static readonly string[] s_timeout8s = ["--timeout", "8s"];

    /// <summary>Every scenario, in the order a run without scenario arguments measures them.</summary>
    public static readonly IReadOnlyList<Scenario> All =
    [
        new("plaintext", Wrk(256, "wrk/get.lua", "/plaintext"), s_plaintext, Nginx: true),
        new("plaintext-pipelined", Wrk(256, "pipeline.lua", "/plaintext", [], "16"), s_plaintext, Nginx: true, CanBePaced: false),
        new("json", Wrk(256, "wrk/get.lua", "/json"), new(Endpoint.Http1, "/json", BodyContains: "\"message\":\"Hello, World!\""), Nginx: true),
        new("echo-post", Wrk(256, "wrk/echo-post.lua", "/echo"), new(Endpoint.Http1, "/echo", SendText: "zokio", BodyIs: "zokio")),
        new("h2c", new H2Load(64, 16, Endpoint.H2c, "/plaintext"), new(Endpoint.H2c, "/plaintext")),
        new("h2-tls", new H2Load(64, 16, Endpoint.H2Tls, "/plaintext"), new(Endpoint.H2Tls, "/plaintext")),
        new("grpc-unary", new H2Load(64, 16, Endpoint.H2c, "/greet.Greeter/SayHello", "grpc-hello.bin", Grpc: true),
            new(Endpoint.H2c, "/greet.Greeter/SayHello", SendFile: "grpc-hello.bin", Grpc: true)),
        new("many-connections", Wrk(256, "wrk/get.lua", "/plaintext"), s_plaintext, Nginx: true, HoldsIdleConnections: true),
        // Fewer connections than the keep-alive runs: each one is a full TCP handshake and close.
        new("connect-rate", Wrk(64, "wrk/get.lua", "/plaintext", ["-H", "Connection: close"]), s_plaintext, Nginx: true),
        new("limited-conn", Wrk(256, "wrk/limited-conn.lua", "/plaintext", [], "10"), s_plaintext, Nginx: true),
        // One request is one call of GrpcStreamMessages streamed replies; the probe checks all of them arrived.
        new("grpc-stream", new H2Load(64, 16, Endpoint.H2c, "/greet.Greeter/SayHellos", "grpc-hellos.bin", Grpc: true),
            new(Endpoint.H2c, "/greet.Greeter/SayHellos", SendFile: "grpc-hellos.bin", Grpc: true, BodyContains: $"Hello World {GrpcStreamMessages}")),
        // Fewer streams than h2c: each carries H2cPostBytes each way.
        new("h2c-post", new H2Load(16, 16, Endpoint.H2c, "/echo", "h2c-post.bin"),
            new(Endpoint.H2c, "/echo", SendFile: "h2c-post.bin", BodyIsFile: "h2c-post.bin")),
        // The database scenarios wait on PostgreSQL (Npgsql's pool holds 100 connections for wrk's 256) and the 20 MiB
        // uploads on bulk transfer: wrk's default 2 s timeout would count slow answers as errors, so they get
        // TechEmpower's 8 s.
        new("db", Wrk(256, "wrk/db.lua", "/db", s_timeout8s, "1"), s_db, "db", Database: true),
        new("queries-20", Wrk(256, "wrk/db.lua", "/queries?queries=20", s_timeout8s, "20"), s_db, "queries", Database: true),
        new("fortunes", Wrk(256, "wrk/db.lua", "/fortunes", s_timeout8s, "14", "<tr>"), s_db, "fortunes", Database: true),
        new("updates-20", Wrk(256, "wrk/db.lua", "/updates?queries=20", s_timeout8s, "20"), s_db, "updates", Database: true),
        new("upload-1mib", Wrk(64, "wrk/upload.lua", "/upload", [], "1048576"), s_upload),
        new("upload-20mib", Wrk(16, "wrk/upload.lua", "/upload", s_timeout8s, "20971520"), s_upload),
        new("ws-echo", new WebSocketEchoLoad(256, 32), s_plaintext, "ws-echo"),
        // Files through GET /files/{name}: ZokioFile on the Zokio servers, Kestrel's Results.File on sockets (the
        // sample's path where no loop runs), random bytes written per run (BenchInputs) and checked byte for byte: a
        // wrong file would be measured just as fast.
        new("static-16k", Wrk(64, "wrk/get.lua", "/files/16k.bin"), new(Endpoint.Http1, "/files/16k.bin", BodyIsFile: "files/16k.bin", TimeoutS: 5)),
        new("static-1m", Wrk(64, "wrk/get.lua", "/files/1m.bin"), new(Endpoint.Http1, "/files/1m.bin", BodyIsFile: "files/1m.bin", TimeoutS: 5)),
    ];

    public bool IsHttp2 => Load is H2Load;

    public static Scenario Find(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new BenchAbortException($"unknown scenario '{name}'; known: {string.Join(' ', All.Select(s => s.Name))}");

    private static WrkLoad Wrk(int connections, string script, string path, string[]? options = null, params string[] scriptArgs) =>
        new(connections, script, path, options ?? [], scriptArgs);
}

/// <summary>Which of the server's three Kestrel endpoints (nginx serves only <see cref="Http1"/>).</summary>
internal enum Endpoint
{
    Http1,
    H2c,
    H2Tls,
}

/// <summary>What generates a scenario's load.</summary>
internal abstract record LoadSpec;

/// <summary>
/// <c>wrk -t1</c> with <paramref name="Connections"/> connections running <paramref name="Script"/> (relative to bench/)
/// against <paramref name="Path"/>; <paramref name="Options"/> go before the URL, <paramref name="ScriptArgs"/> after "--".
/// </summary>
internal sealed record WrkLoad(int Connections, string Script, string Path, string[] Options, string[] ScriptArgs) : LoadSpec;

/// <summary><c>h2load -t1</c>, optionally POSTing <paramref name="DataFile"/> (from the run's inputs) with gRPC headers.</summary>
internal sealed record H2Load(int Clients, int Streams, Endpoint Endpoint, string Path, string? DataFile = null, bool Grpc = false) : LoadSpec;

/// <summary>Zokio.BenchClient ws-echo: clients with one message in flight each.</summary>
internal sealed record WebSocketEchoLoad(int Connections, int MessageBytes) : LoadSpec;

/// <summary>
/// One request of the kind a scenario sends, checked end to end, because the load tools count bytes and status codes
/// but would not notice e.g. h2 falling back to HTTP/1.1 or a gRPC error carried in a 200. Every check is optional:
/// a success status always, HTTP/2 on the h2 endpoints, <c>grpc-status: 0</c> when <paramref name="Grpc"/>, and the
/// body. File names are relative to the run's inputs directory.
/// </summary>
internal sealed record Probe(
    Endpoint Endpoint, string Path, string? SendText = null, string? SendFile = null, bool Grpc = false,
    string? BodyIs = null, string? BodyContains = null, string? BodyIsFile = null, int TimeoutS = 2);
