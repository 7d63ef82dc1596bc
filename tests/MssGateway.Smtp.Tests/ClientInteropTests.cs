using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>Real SMTP clients against the engine: MailKit's SmtpClient and swaks.</summary>
public sealed class ClientInteropTests : IClassFixture<EngineHostFixture>
{
    private readonly EngineHost _host;

    public ClientInteropTests(EngineHostFixture fixture)
    {
        _host = fixture.Host;
    }

    private static MimeMessage Sample(string subject)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse("dev.sender@hopital-dev.mssante.test"));
        m.To.Add(MailboxAddress.Parse("dev.recipient@hopital-dev.mssante.test"));
        m.Subject = subject;
        m.Headers.Add("X-MSS-NIL", "test-software-1.0");
        m.Body = new TextPart("plain") { Text = "Bonjour,\n.line starting with a dot\nfin" };
        return m;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MailKit_sends_with_a_client_certificate(bool implicitTls)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        client.ClientCertificates = [await EngineHost.ClientCertificateAsync()];
        await client.ConnectAsync("127.0.0.1", implicitTls ? _host.ImplicitTlsPort : _host.StartTlsPort, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.BinaryMime) || client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        var response = await client.SendAsync(Sample("mailkit " + implicitTls));
        await client.DisconnectAsync(true);

        Assert.Contains("queued as", response, StringComparison.Ordinal);
        var id = response.Split(' ')[^1];
        var stored = System.Text.Encoding.UTF8.GetString(_host.StoredContent(id));
        Assert.Contains("X-MSS-NIL: test-software-1.0", stored, StringComparison.Ordinal);
        Assert.Contains("\r\n.line starting with a dot\r\n", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_without_a_certificate_is_refused_530_5_7_0()
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        // The server answers 530 and ends the session; MailKit reports it as a command or protocol error.
        var ex = await Assert.ThrowsAnyAsync<MailKit.ProtocolException>(() => client.ConnectAsync("127.0.0.1", _host.StartTlsPort, SecureSocketOptions.StartTls));
        Assert.Contains("5.7.0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Swaks_sends_over_starttls_with_a_client_certificate(bool pipelining)
    {
        var pki = await DevPki.SharedAsync();
        var args = new List<string>
        {
            "--server", $"127.0.0.1:{_host.StartTlsPort}", "--tls", "--tls-cert", pki.ClientCertificate, "--tls-key", pki.ClientKey,
            "--from", "dev.sender@hopital-dev.mssante.test", "--to", "dev.recipient@hopital-dev.mssante.test",
            "--header", "Subject: swaks", "--body", "hello from swaks",
        };
        if (pipelining)
        {
            args.Add("--pipeline");
        }

        var r = await ExternalProcess.RunAsync("swaks", args, timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Matches("250 2.0.0 Ok: queued as [0-9A-Z]{16}", r.StdOut);
    }

    [Fact]
    public async Task Swaks_sends_with_bdat_over_implicit_tls()
    {
        var pki = await DevPki.SharedAsync();
        var r = await ExternalProcess.RunAsync(
            "swaks",
            ["--server", $"127.0.0.1:{_host.ImplicitTlsPort}", "--tlsc", "--tls-cert", pki.ClientCertificate, "--tls-key", pki.ClientKey,
             "--from", "a@example.test", "--to", "b@example.test", "--body", "chunked"],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("queued as", r.StdOut, StringComparison.Ordinal);
    }
}
