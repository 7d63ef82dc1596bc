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

    private async Task<string> SClientAsync(int port, bool startTls, string session, bool resume, string input = "QUIT\r\n")
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
