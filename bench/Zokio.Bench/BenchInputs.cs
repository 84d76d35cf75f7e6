using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Zokio.Bench;

/// <summary>The files a run's servers and loads need, written into the run's directory once per run.</summary>
internal static class BenchInputs
{
    public const string CertificatePassword = "zokio-bench";

    public static string CertificatePath(string dir) => Path.Combine(dir, "cert.pfx");

    public static string NginxDir(string dir) => Path.Combine(dir, "nginx");

    public static string FilesDir(string dir) => Path.Combine(dir, "files");

    public static void Write(string dir, string benchDir, int h1Port)
    {
        // Self-signed certificate for h2-tls, as a .pfx because that is what Kestrel's configuration binds.
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
            File.WriteAllBytes(CertificatePath(dir), certificate.Export(X509ContentType.Pfx, CertificatePassword));
        }

        // gRPC-framed HelloRequest{name="World"}: flag 0, big-endian length 7, then field 1 (0x0a), length 5.
        byte[] hello = [0x0a, 0x05, .."World"u8];
        File.WriteAllBytes(Path.Combine(dir, "grpc-hello.bin"), GrpcFrame(hello));
        // The same with field 2 (count, tag 0x10) = GrpcStreamMessages, a one-byte varint (so at most 127): length 9.
        File.WriteAllBytes(Path.Combine(dir, "grpc-hellos.bin"), GrpcFrame([.. hello, 0x10, Scenario.GrpcStreamMessages]));
        File.WriteAllBytes(Path.Combine(dir, "h2c-post.bin"), Filled(Scenario.H2cPostBytes));
        File.WriteAllBytes(Path.Combine(dir, "upload-probe.bin"), Filled(1 << 20));

        Directory.CreateDirectory(NginxDir(dir));
        File.WriteAllText(Path.Combine(NginxDir(dir), "nginx.conf"),
            File.ReadAllText(Path.Combine(benchDir, "nginx.conf")).Replace("127.0.0.1:18080", $"127.0.0.1:{h1Port}", StringComparison.Ordinal));

        // static-16k and static-1m: the servers find the folder through Files__Root (BenchDriver).
        Directory.CreateDirectory(FilesDir(dir));
        File.WriteAllBytes(Path.Combine(FilesDir(dir), "16k.bin"), RandomNumberGenerator.GetBytes(16 << 10));
        File.WriteAllBytes(Path.Combine(FilesDir(dir), "1m.bin"), RandomNumberGenerator.GetBytes(1 << 20));
    }

    private static byte[] GrpcFrame(byte[] message) => [0, 0, 0, 0, (byte)message.Length, .. message];

    private static byte[] Filled(int length) => Enumerable.Repeat((byte)'z', length).ToArray();
}
