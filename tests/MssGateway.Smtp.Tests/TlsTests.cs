using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>STARTTLS (RFC 3207), implicit TLS (RFC 8314), the TLS-required policy and client certificates.</summary>
public sealed class TlsTests : IClassFixture<EngineHostFixture>
{
    private readonly EngineHost _host;

    public TlsTests(EngineHostFixture fixture)
    {
        _host = fixture.Host;
    }

    private async Task<SmtpTestClient> ConnectStartTlsAsync()
    {
        var c = await SmtpTestClient.ConnectAsync(_host.StartTlsPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        return c;
    }

    [Fact]
    public async Task Before_tls_ehlo_offers_starttls_and_not_the_mail_extensions()
    {
        await using var c = await ConnectStartTlsAsync();
        var keywords = (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines.Skip(1).Select(l => l[4..]).ToList();
        Assert.Contains("STARTTLS", keywords);
        Assert.DoesNotContain("CHUNKING", keywords);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@example.test>")]
    [InlineData("RCPT TO:<b@example.test>")]
    [InlineData("DATA")]
    [InlineData("VRFY x")]
    public async Task Mail_commands_before_starttls_are_refused_530_5_7_0(string command)
    {
        await using var c = await ConnectStartTlsAsync();
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        var r = (await c.CommandAsync(command)).AssertCode(530, "5.7.0");
        Assert.Contains("STARTTLS", r.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_refused_and_the_session_closed()
    {
        await using var c = await ConnectStartTlsAsync();
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        await c.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n");
        (await c.ReadReplyAsync()).AssertCode(554, "5.5.1");
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task After_starttls_the_session_is_reset_and_ehlo_offers_the_extensions()
    {
        await using var c = await ConnectStartTlsAsync();
        await c.StartTlsAsync(await EngineHost.ClientCertificateAsync());
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(503, "5.5.1"); // EHLO forgotten
        var keywords = (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines.Skip(1).Select(l => l[4..]).ToList();
        Assert.DoesNotContain("STARTTLS", keywords);
        Assert.Contains("CHUNKING", keywords);
        (await c.CommandAsync("STARTTLS")).AssertCode(503, "5.5.1");
    }

    [Fact]
    public async Task A_message_over_starttls_records_tls_version_and_cipher_in_received()
    {
        await using var c = await ConnectStartTlsAsync();
        await c.StartTlsAsync(await EngineHost.ClientCertificateAsync());
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var id = (await c.CommandAsync("Subject: t\r\n\r\nx\r\n.")).AssertCode(250).Lines[0].Split(' ')[^1];
        var header = _host.Spool.Open(MssGateway.Spool.SpoolState.Incoming, id).Envelope.PrependHeaders;
        Assert.Contains("with ESMTPS id " + id, header, StringComparison.Ordinal);
        Assert.Matches(@"version=TLSv1\.[23] cipher=TLS_", header);
    }

    [Fact]
    public async Task The_client_certificate_and_the_chain_it_sent_reach_the_hooks()
    {
        await using var c = await ConnectStartTlsAsync();
        var cert = await EngineHost.ClientCertificateAsync();
        await c.StartTlsAsync(cert);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        var session = _host.Hooks.TlsSessions.Last(s => s.ClientCertificate?.Thumbprint == cert.Thumbprint);
        Assert.Contains("CN=899700012349", session.ClientCertificate!.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_next_command_gets_530_5_7_0_and_the_session_ends()
    {
        await using var c = await ConnectStartTlsAsync();
        await c.StartTlsAsync(null);
        var r = (await c.CommandAsync("EHLO client.test")).AssertCode(530, "5.7.0");
        Assert.Contains("client_cert_missing", _host.Hooks.Sessions.Select(s => s.LastRefusalReason));
        Assert.Contains("certificate", r.Text, StringComparison.OrdinalIgnoreCase);
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Implicit_tls_greets_after_the_handshake()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.ImplicitTlsPort, await EngineHost.ClientCertificateAsync(), implicitTls: true);
        (await c.ReadReplyAsync()).AssertCode(220);
        var keywords = (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines.Skip(1).Select(l => l[4..]).ToList();
        Assert.DoesNotContain("STARTTLS", keywords);
        Assert.Contains("SIZE 20971520", keywords);
    }

    [Fact]
    public async Task Tls_1_3_is_negotiated_when_offered()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.ImplicitTlsPort, await EngineHost.ClientCertificateAsync(), implicitTls: true);
        Assert.Equal(SslProtocols.Tls13, c.TlsProtocol);
    }

    [Theory]
    [InlineData("-tls1_1")]
    [InlineData("-tls1")]
    public async Task Tls_below_1_2_is_refused_at_the_handshake(string protocolFlag)
    {
        var pki = await DevPki.SharedAsync();
        var r = await ExternalProcess.RunAsync(
            "openssl",
            ["s_client", "-connect", $"127.0.0.1:{_host.ImplicitTlsPort}", protocolFlag, "-cert", pki.ClientCertificate, "-key", pki.ClientKey, "-CAfile", pki.CaBundle, "-brief"],
            stdin: "QUIT\r\n",
            timeout: TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("220 mx.test.local", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_1_2_suites_are_limited_to_ecdhe_aes_gcm()
    {
        var pki = await DevPki.SharedAsync();
        var weak = await ExternalProcess.RunAsync(
            "openssl",
            ["s_client", "-connect", $"127.0.0.1:{_host.ImplicitTlsPort}", "-tls1_2", "-cipher", "AES256-SHA256", "-cert", pki.ClientCertificate, "-key", pki.ClientKey, "-brief"],
            stdin: "QUIT\r\n",
            timeout: TimeSpan.FromSeconds(30));
        // With resumption on, OpenSSL is given no suite list (SmtpTlsSettings): a handshake on another suite may
        // complete, and is then closed before the greeting. Either way, no SMTP over it.
        Assert.DoesNotContain("220 mx.test.local", weak.StdOut + weak.StdErr, StringComparison.Ordinal);
        var strong = await ExternalProcess.RunAsync(
            "openssl",
            ["s_client", "-connect", $"127.0.0.1:{_host.ImplicitTlsPort}", "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-cert", pki.ClientCertificate, "-key", pki.ClientKey, "-brief", "-ign_eof"],
            stdin: "QUIT\r\n",
            timeout: TimeSpan.FromSeconds(30));
        Assert.Contains("220 mx.test.local", strong.StdOut + strong.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chain_the_client_sent_reaches_the_hooks_intact_after_the_handshake()
    {
        // The engine keeps the certificates SslStream decoded for its chain instead of copying them
        // (one decode less per handshake): they must outlive the handshake and the chain SslStream disposes.
        var pki = await DevPki.SharedAsync();
        await using var host = await EngineHost.StartAsync();
        var intermediate = await QuitWithIntermediateAsync(host, pki);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var session = Assert.Single(host.Hooks.TlsSessions);
        var sent = Assert.Single(session.ClientCertificateChain);
        using var expected = X509CertificateLoader.LoadCertificateFromFile(intermediate);
        Assert.Equal(expected.RawData, sent.RawData);
        Assert.Equal(expected.Subject, sent.Subject);
        Assert.True(session.ChainKeysReadable);
    }

    [Fact]
    public async Task A_session_releases_the_client_certificates_it_holds_when_it_ends()
    {
        // Each certificate holds an OpenSSL object outside the managed heap; left to the finalizer, an
        // attack of short TLS sessions grows the process by the native memory of every one of them.
        var pki = await DevPki.SharedAsync();
        await using var host = await EngineHost.StartAsync();
        var intermediate = await QuitWithIntermediateAsync(host, pki);
        while (host.Hooks.Sessions.IsEmpty)
        {
            await Task.Delay(20);
        }

        var session = Assert.Single(host.Hooks.TlsSessions);
        Assert.Equal(2, session.Originals.Count); // the card and the intermediate it sent
        Assert.All(session.Originals, c => Assert.Equal(IntPtr.Zero, c.Handle));
        Assert.Null(session.Info.ClientCertificate);
        Assert.Empty(session.Info.ClientCertificateChain);
    }

    /// <summary>One implicit-TLS session with the dev CPS card and its intermediate in the chain, ended by QUIT; returns the intermediate's file.</summary>
    private static async Task<string> QuitWithIntermediateAsync(EngineHost host, DevPki pki)
    {
        var intermediate = Path.Combine(pki.Directory, "ca-fort-personnes.pem");
        var r = await ExternalProcess.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{host.ImplicitTlsPort}", "-cert", pki.ClientCertificate, "-key", pki.ClientKey,
            "-cert_chain", intermediate, "-CAfile", pki.CaBundle, "-ign_eof", "-crlf"], stdin: "QUIT\n", timeout: TimeSpan.FromSeconds(30));
        Assert.Contains("221 2.0.0", r.StdOut, StringComparison.Ordinal);
        return intermediate;
    }
}
