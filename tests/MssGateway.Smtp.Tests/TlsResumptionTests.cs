using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// TLS session resumption (TLS 1.3 PSK from a session ticket) on STARTTLS and implicit TLS, measured
/// with the client hospital MTAs resemble: openssl s_client saving its session (-sess_out) and offering
/// it again (-sess_in). The client certificate is judged on every session, resumed ones included.
/// </summary>
public sealed class TlsResumptionTests : IAsyncLifetime
{
    private EngineHost _host = null!;
    private TempDirectory _dir = null!;

    public async Task InitializeAsync()
    {
        _host = await EngineHost.StartAsync();
        _dir = new TempDirectory("mssgw-tls-sessions");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    private static async Task<string> SClientAsync(int port, bool startTls, string session, bool resume, string input = "QUIT\r\n")
    {
        var pki = await DevPki.SharedAsync();
        var args = new List<string> { "s_client", "-connect", $"127.0.0.1:{port}", "-cert", pki.ClientCertificate, "-key", pki.ClientKey, "-CAfile", pki.CaBundle, "-ign_eof", "-crlf" };
        if (startTls)
        {
            args.AddRange(["-starttls", "smtp"]);
        }

        args.AddRange([resume ? "-sess_in" : "-sess_out", session]);
        var r = await ExternalProcess.RunAsync("openssl", args, stdin: input.Replace("\r\n", "\n", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30));
        return r.StdOut + r.StdErr;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reconnecting_client_resumes_its_tls_session(bool startTls)
    {
        var port = startTls ? _host.StartTlsPort : _host.ImplicitTlsPort;
        var session = Path.Combine(_dir.Path, $"session-{startTls}.pem");
        var first = await SClientAsync(port, startTls, session, resume: false);
        Assert.Contains("New, TLSv1.3", first, StringComparison.Ordinal);
        Assert.True(File.Exists(session), "s_client saved no session: the server issued no ticket\n" + first);

        var second = await SClientAsync(port, startTls, session, resume: true);
        Assert.Contains("Reused, TLSv1.3", second, StringComparison.Ordinal);
        Assert.Contains("221 2.0.0", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumed_session_still_carries_the_client_certificate_to_the_hooks()
    {
        var cert = await EngineHost.ClientCertificateAsync();
        var session = Path.Combine(_dir.Path, "session-cert.pem");
        await SClientAsync(_host.ImplicitTlsPort, false, session, resume: false);
        var before = _host.Hooks.TlsSessions.Count;
        var second = await SClientAsync(_host.ImplicitTlsPort, false, session, resume: true);
        Assert.Contains("Reused", second, StringComparison.Ordinal);
        var resumed = _host.Hooks.TlsSessions.Skip(before).Single();
        Assert.Equal(cert.Thumbprint, resumed.ClientCertificate?.Thumbprint);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_resumed_session_of_a_since_revoked_card_is_refused(bool startTls)
    {
        var cert = await EngineHost.ClientCertificateAsync();
        var port = startTls ? _host.StartTlsPort : _host.ImplicitTlsPort;
        var session = Path.Combine(_dir.Path, $"session-revoked-{startTls}.pem");
        var first = await SClientAsync(port, startTls, session, resume: false, "EHLO client.test\r\nQUIT\r\n");
        Assert.Contains("250-mx.test.local", first, StringComparison.Ordinal);

        _host.Hooks.RevokedThumbprints[cert.Thumbprint] = true;
        try
        {
            // The attacker's move: the card is revoked, but the TLS session it opened before is offered again.
            var second = await SClientAsync(port, startTls, session, resume: true, "EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nQUIT\r\n");
            Assert.Contains("Reused", second, StringComparison.Ordinal);
            Assert.Contains("535 5.7.8", second, StringComparison.Ordinal);
            Assert.DoesNotContain("250-mx.test.local", second, StringComparison.Ordinal);
            Assert.DoesNotContain("2.1.0", second, StringComparison.Ordinal);
        }
        finally
        {
            _host.Hooks.RevokedThumbprints.Clear();
        }
    }

    /// <summary>
    /// Pins what the platform allows for ticket keys (docs/smtp.md "TLS", ticket keys): .NET 10 on Linux
    /// keeps one OpenSSL context, with the ticket keys OpenSSL drew when it made it, per server
    /// certificate chain and protocol set for the whole process (a static cache keyed by the chain's
    /// thumbprints), and exposes no ticket-key callback. So a new certificate context of the same chain
    /// does not rotate the keys (a ticket from before still resumes), while a changed chain — what a
    /// certificate renewal brings — gets new keys (a ticket from before no longer resumes). If a runtime
    /// update makes the first assertion fail, keys can be rotated in the running process.
    /// </summary>
    [Fact]
    public async Task Ticket_keys_belong_to_the_certificate_chain_for_the_life_of_the_process()
    {
        var pki = await DevPki.SharedAsync();
        await using var host = await EngineHost.StartAsync();
        var port = host.ImplicitTlsPort;
        var ticket = Path.Combine(_dir.Path, "ticket-chain.pem");
        Handshake("New, TLSv1.3", await SClientAsync(port, false, ticket, resume: false));

        var leaf = X509CertificateLoader.LoadPkcs12(X509Certificate2.CreateFromPemFile(pki.ServerCertificate, pki.ServerKey).Export(X509ContentType.Pkcs12), null);
        host.Server.Tls = new SmtpTlsSettings { ServerCertificate = SslStreamCertificateContext.Create(leaf, [], offline: true) };
        Handshake("Reused, TLSv1.3", await SClientAsync(port, false, ticket, resume: true));

        var intermediates = new X509Certificate2Collection();
        intermediates.ImportFromPemFile(pki.ServerChain);
        host.Server.Tls = new SmtpTlsSettings { ServerCertificate = SslStreamCertificateContext.Create(leaf, intermediates, offline: true) };
        var afterRenewal = await SClientAsync(port, false, ticket, resume: true);
        Handshake("New, TLSv1.3", afterRenewal);
        Assert.Contains("221 2.0.0", afterRenewal, StringComparison.Ordinal);
    }

    private static void Handshake(string expected, string output) =>
        Assert.True(output.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in:\n{output}");

    [Fact]
    public async Task With_resumption_off_every_session_is_a_full_handshake()
    {
        await using var host = await EngineHost.StartAsync(tlsResumption: false);
        var session = Path.Combine(_dir.Path, "session-off.pem");
        await SClientAsync(host.ImplicitTlsPort, false, session, resume: false);
        var second = await SClientAsync(host.ImplicitTlsPort, false, session, resume: true);
        Assert.Contains("New, TLSv1.3", second, StringComparison.Ordinal);
        Assert.DoesNotContain("Reused", second, StringComparison.Ordinal);
    }
}
