using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests;

/// <summary>
/// Files and ports for one gateway process under test: a temp folder with the spool, the dev PKI
/// (openssl, shared by the run), the dev directory file, and a configuration that tests may change
/// before starting the process.
/// </summary>
public sealed class GatewayTestEnvironment : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-host");

    private GatewayTestEnvironment(DevPki pki)
    {
        Pki = pki;
        SubmissionPort = FreePort.Next();
        SmtpsPort = FreePort.Next();
        RelayPort = FreePort.Next();
        HttpPort = FreePort.Next();
        SpoolPath = _dir.Combine("spool");
        DirectoryFile = _dir.Combine("directory.json");
        File.Copy(RepositoryPaths.Combine("gateway", "MssGateway.Host", "dev", "directory.json"), DirectoryFile);
        Configuration = new JsonObject
        {
            ["ServerName"] = "gateway.hopital-dev.mssante.test",
            ["Listeners"] = new JsonArray(
                Listener("submission", SubmissionPort, "StartTls"),
                Listener("smtps", SmtpsPort, "Implicit"),
                Listener("relay", RelayPort, "StartTls")),
            ["Tls"] = new JsonObject { ["CertificateFile"] = pki.ServerCertificate, ["KeyFile"] = pki.ServerKey, ["ChainFile"] = pki.ServerChain },
            ["Trust"] = new JsonObject
            {
                ["AnchorPaths"] = new JsonArray(pki.CaBundle),
                ["Revocation"] = new JsonObject
                {
                    ["UseDistributionPoints"] = false,
                    ["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(pki.Directory, "crl")).Select(f => (JsonNode)f).ToArray()),
                    ["CacheDirectory"] = _dir.Combine("crl-cache"),
                },
            },
            ["Spool"] = new JsonObject { ["Path"] = SpoolPath, ["MinimumFreeBytes"] = 1024 * 1024 },
            ["Http"] = new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = HttpPort },
            ["Directory"] = new JsonObject { ["Kind"] = "File", ["File"] = DirectoryFile },
            // As in dev mode: the relay listener takes mail for the gateway's own domain (issue 12 rule 2).
            ["Delivery"] = new JsonObject { ["Enabled"] = false, ["LocalDomains"] = new JsonArray("hopital-dev.mssante.test") },
            ["Logging"] = new JsonObject { ["Format"] = "Json" },
            ["Shutdown"] = new JsonObject { ["DrainTimeout"] = "00:00:10" },
        };
    }

    public DevPki Pki { get; }

    public int SubmissionPort { get; }

    public int SmtpsPort { get; }

    public int RelayPort { get; }

    public int HttpPort { get; }

    public string SpoolPath { get; }

    public string DirectoryFile { get; }

    public string WorkDirectory => _dir.Path;

    /// <summary>The "Gateway" section, editable before <see cref="StartAsync"/>.</summary>
    public JsonObject Configuration { get; }

    public static async Task<GatewayTestEnvironment> CreateAsync() => new(await DevPki.SharedAsync());

    public Task<GatewayProcess> StartAsync(bool waitReady = true, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null) => GatewayProcess.StartAsync(WorkDirectory, Configuration, HttpPort, waitReady, environment, arguments);

    private static JsonObject Listener(string name, int port, string tlsMode) => new()
    {
        ["Name"] = name,
        ["Address"] = "127.0.0.1",
        ["Port"] = port,
        ["TlsMode"] = tlsMode,
        ["RequireTls"] = true,
        ["ClientCertificate"] = "Require",
    };

    public void Dispose() => _dir.Dispose();
}
