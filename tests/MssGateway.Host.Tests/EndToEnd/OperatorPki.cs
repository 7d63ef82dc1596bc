using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// The certificates of the end-to-end tests, made once per run with scripts/dev-pki.sh: operator A's
/// PKI (test IGC-Santé roots, server certificate CN=gateway.a.mssante.test, the CPS card), operator B's
/// server certificate CN=gateway.b.mssante.test issued under the SAME roots (dev-pki.sh run on a copy
/// of A's folder without its server certificate: it keeps the CA keys and only issues a new server
/// certificate), and a rogue PKI (other roots) with B's names.
/// </summary>
public sealed class OperatorPki : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("mssgw-e2e-pki");

    public DevPki A { get; private set; } = null!;

    public DevPki B { get; private set; } = null!;

    public DevPki Rogue { get; private set; } = null!;

    /// <summary>A's server certificate subject as <c>openssl x509 -noout -subject -nameopt RFC2253</c> prints it.</summary>
    public string SubjectA { get; private set; } = null!;

    public string SubjectB { get; private set; } = null!;

    public string SubjectRogue { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var a = _dir.Combine("a");
        A = await DevPki.CreateAsync(a, "gateway.a.mssante.test", "localhost", "gateway.a.mssante.test");
        var b = _dir.Combine("b");
        CopyDirectory(a, b);
        foreach (var f in new[] { "server.pem", "server.key", "server-chain.pem" })
        {
            File.Delete(Path.Combine(b, f));
        }

        B = await DevPki.CreateAsync(b, "gateway.b.mssante.test", "localhost", "gateway.b.mssante.test");
        Rogue = await DevPki.CreateAsync(_dir.Combine("rogue"), "gateway.b.mssante.test", "localhost", "gateway.b.mssante.test");
        SubjectA = await SubjectOfAsync(A.ServerCertificate);
        SubjectB = await SubjectOfAsync(B.ServerCertificate);
        SubjectRogue = await SubjectOfAsync(Rogue.ServerCertificate);
    }

    /// <summary>The "Tls" and "Trust" sections of a gateway presenting <paramref name="server"/>'s certificate and trusting <paramref name="anchors"/>.</summary>
    public static void Apply(JsonObject gateway, DevPki server, DevPki anchors, string cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(anchors);
        gateway["Tls"] = new JsonObject { ["CertificateFile"] = server.ServerCertificate, ["KeyFile"] = server.ServerKey, ["ChainFile"] = server.ServerChain };
        gateway["Trust"] = new JsonObject
        {
            ["AnchorPaths"] = new JsonArray(anchors.CaBundle),
            ["Revocation"] = new JsonObject
            {
                ["UseDistributionPoints"] = false,
                ["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(anchors.Directory, "crl")).Select(f => (JsonNode)f).ToArray()),
                ["CacheDirectory"] = cacheDirectory,
            },
        };
    }

    public static async Task<string> SubjectOfAsync(string certificateFile)
    {
        var r = (await ExternalProcess.RunAsync("openssl", "x509", "-in", certificateFile, "-noout", "-subject", "-nameopt", "RFC2253")).EnsureSuccess("openssl x509 -subject");
        var line = r.StdOut.Trim();
        return line.StartsWith("subject=", StringComparison.Ordinal) ? line["subject=".Length..].Trim() : line;
    }

    private static void CopyDirectory(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (var dir in System.IO.Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            System.IO.Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in System.IO.Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}
