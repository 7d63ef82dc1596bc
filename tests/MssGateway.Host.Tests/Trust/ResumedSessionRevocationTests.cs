using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Trust;

/// <summary>
/// Issue 18, TLS resumption through the running gateway: a card's TLS session resumes (TLS 1.3 PSK
/// from a session ticket, as a hospital MTA with a TLS session cache does), the card is then revoked
/// (its CA publishes a new CRL, which the gateway loads from its CRL file without a restart), and the
/// resumed session of that card is refused: <c>535 5.7.8 client_cert_revoked</c> at its first command,
/// though the TLS layer resumed it. The attacker's move: keep the TLS session of a card that was
/// valid, and offer it again after the card is revoked. The class makes its own PKI and CRLs.
/// </summary>
public sealed class ResumedSessionRevocationTests : IAsyncLifetime
{
    private const string OpensslCa = "db/ca-fort-personnes/ca.cnf";
    private readonly TempDirectory _dir = new("mssgw-resumed-revoked");
    private GatewayTestEnvironment? _env;
    private GatewayProcess? _gateway;
    private DevPki? _pki;

    public async Task InitializeAsync()
    {
        _pki = await DevPki.CreateAsync(_dir.Combine("pki"));
        _env = await GatewayTestEnvironment.CreateAsync();
        _env.Configuration["Tls"] = new JsonObject { ["CertificateFile"] = _pki.ServerCertificate, ["KeyFile"] = _pki.ServerKey, ["ChainFile"] = _pki.ServerChain };
        _env.Configuration["Trust"] = new JsonObject
        {
            ["AnchorPaths"] = new JsonArray(_pki.CaBundle),
            ["ReloadInterval"] = "00:00:01",
            ["VerdictCacheDuration"] = "00:00:01",
            ["Revocation"] = new JsonObject
            {
                ["UseDistributionPoints"] = false,
                ["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(_pki.Directory, "crl")).Select(f => (JsonNode)f).ToArray()),
                ["CacheDirectory"] = _dir.Combine("crl-cache"),
            },
        };
        _gateway = await _env.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _env?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_resumed_session_of_a_card_revoked_since_is_refused_535_5_7_8_on_both_tls_listeners()
    {
        var listeners = new[] { (Port: _env!.SmtpsPort, StartTls: false), (Port: _env.SubmissionPort, StartTls: true) };
        var tickets = new Dictionary<int, string>();
        foreach (var (port, startTls) in listeners)
        {
            tickets[port] = _dir.Combine($"ticket-{port}.pem");
            var first = await SClientAsync(port, startTls, sessionIn: null, sessionOut: tickets[port]);
            Assert.True(first.Contains("New, TLSv1.3", StringComparison.Ordinal) && first.Contains("250-", StringComparison.Ordinal), first);

            // The card resumes while it is valid: the resumed session is judged and accepted.
            var resumed = await SClientAsync(port, startTls, tickets[port], tickets[port]);
            Assert.True(resumed.Contains("Reused, TLSv1.3", StringComparison.Ordinal), resumed);
            Assert.Contains("250-", resumed, StringComparison.Ordinal);
            Assert.DoesNotContain("535 ", resumed, StringComparison.Ordinal);
        }

        // The CA revokes the card and publishes a new CRL; it reaches the gateway's CRL file by a rename
        // (as a configuration management tool would write it), picked up within ReloadInterval.
        var environment = new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" };
        (await ExternalProcess.RunAsync("openssl", ["ca", "-config", OpensslCa, "-revoke", "client-cps.pem"], workingDirectory: _pki!.Directory, environment: environment))
            .EnsureSuccess("openssl ca -revoke");
        var staged = _dir.Combine("ca-fort-personnes.crl.pem");
        (await ExternalProcess.RunAsync("openssl", ["ca", "-config", OpensslCa, "-gencrl", "-crldays", "30", "-out", staged], workingDirectory: _pki.Directory, environment: environment))
            .EnsureSuccess("openssl ca -gencrl");
        File.Move(staged, Path.Combine(_pki.Directory, "crl", "ca-fort-personnes.crl.pem"), overwrite: true);

        foreach (var (port, startTls) in listeners)
        {
            var refused = await ResumeUntilRefusedAsync(port, startTls, tickets[port]);
            Assert.True(refused.Contains("Reused, TLSv1.3", StringComparison.Ordinal), "the TLS layer must still resume the session:\n" + refused);
            Assert.Contains("535 5.7.8", refused, StringComparison.Ordinal);
            Assert.Contains("(client_cert_revoked)", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("250-", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("2.1.0", refused, StringComparison.Ordinal);
        }
    }

    /// <summary>Offers the saved session again until the gateway has loaded the new CRL (within a minute).</summary>
    private async Task<string> ResumeUntilRefusedAsync(int port, bool startTls, string ticket)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            last = await SClientAsync(port, startTls, ticket, ticket);
            if (last.Contains("535 ", StringComparison.Ordinal))
            {
                return last;
            }

            await Task.Delay(500);
        }

        return last;
    }

    private async Task<string> SClientAsync(int port, bool startTls, string? sessionIn, string sessionOut)
    {
        var args = new List<string> { "s_client", "-connect", $"127.0.0.1:{port}", "-cert", _pki!.ClientCertificate, "-key", _pki.ClientKey, "-CAfile", _pki.CaBundle, "-ign_eof", "-crlf", "-sess_out", sessionOut };
        if (startTls)
        {
            args.AddRange(["-starttls", "smtp"]);
        }

        if (sessionIn is not null)
        {
            args.AddRange(["-sess_in", sessionIn]);
        }

        var r = await ExternalProcess.RunAsync("openssl", args, stdin: "EHLO client.hopital-dev.mssante.test\nMAIL FROM:<dev.sender@hopital-dev.mssante.test>\nQUIT\n", timeout: TimeSpan.FromSeconds(30));
        return r.StdOut + r.StdErr;
    }
}
