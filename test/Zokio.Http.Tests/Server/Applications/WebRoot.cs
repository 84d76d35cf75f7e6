namespace Zokio.Http.Tests.Server.Applications;

/// <summary>A temporary web root for <c>UseStaticFiles</c>: a few files of known types and content; deleted at dispose.</summary>
internal sealed class WebRoot : IDisposable
{
    public const string Html = "<!doctype html><title>Zokio</title><p>static page</p>";
    public const string Css = "body { color: #123456; }";
    public const string Json = """{"static":true,"items":[1,2,3]}""";

    public WebRoot()
    {
        Path = Directory.CreateTempSubdirectory("zokio-webroot-").FullName;
        Blob = new byte[256 * 1024];
        new Random(22).NextBytes(Blob);
        File.WriteAllText(System.IO.Path.Combine(Path, "index.html"), Html);
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "css"));
        File.WriteAllText(System.IO.Path.Combine(Path, "css", "site.css"), Css);
        File.WriteAllText(System.IO.Path.Combine(Path, "data.json"), Json);
        File.WriteAllBytes(System.IO.Path.Combine(Path, "blob.bin"), Blob);
    }

    public string Path { get; }

    /// <summary>The content of <c>/blob.bin</c>: 256 KiB of seeded random bytes.</summary>
    public byte[] Blob { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
