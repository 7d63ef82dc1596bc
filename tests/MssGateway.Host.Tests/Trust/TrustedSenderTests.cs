using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Trust;

/// <summary>
/// DESIGN.md §3 trust engine through the real gateway: a CPS holder with a certificate of the
/// IGC-Santé (dev) chain sends from the mailbox it holds over STARTTLS and implicit TLS, with swaks
/// and MailKit; MAIL FROM another holder's mailbox and a look-alike certificate from a rogue PKI are refused.
/// </summary>
public sealed class TrustedSenderTests : IClassFixture<RunningGateway>
{
    private readonly RunningGateway _gateway;

    public TrustedSenderTests(RunningGateway gateway)
    {
        _gateway = gateway;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Swaks_with_the_cps_certificate_sends_from_the_holders_mailbox(bool implicitTls)
    {
        var env = _gateway.Environment;
        var result = await ExternalProcess.RunAsync("swaks",
        [
            "--server", "127.0.0.1", "--port", (implicitTls ? env.SmtpsPort : env.SubmissionPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
            implicitTls ? "--tlsc" : "--tls",
            "--tls-cert", env.Pki.ClientCertificate, "--tls-key", env.Pki.ClientKey,
            "--helo", "client.hopital-dev.mssante.test",
            "--from", RunningGateway.Sender, "--to", RunningGateway.Recipient,
            "--header", "Subject: swaks trust test", "--body", "hello",
        ], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"swaks exited {result.ExitCode}:\n{result.StdOut}\n{result.StdErr}");
        Assert.Contains("250 2.0.0 Ok: queued as", result.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MailKit_with_the_cps_certificate_sends_from_the_holders_mailbox(bool implicitTls)
    {
        var env = _gateway.Environment;
        using var client = new SmtpClient
        {
            ServerCertificateValidationCallback = (_, _, _, _) => true,
            ClientCertificates = new X509CertificateCollection { _gateway.ClientCertificate },
            CheckCertificateRevocation = false,
            LocalDomain = "client.hopital-dev.mssante.test",
        };
        await client.ConnectAsync("127.0.0.1", implicitTls ? env.SmtpsPort : env.SubmissionPort, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(RunningGateway.Sender));
        message.To.Add(MailboxAddress.Parse(RunningGateway.Recipient));
        message.Subject = "MailKit trust test";
        message.Body = new TextPart("plain") { Text = "hello" };
        var response = await client.SendAsync(message);
        await client.DisconnectAsync(true);
        Assert.Contains("queued as", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mail_from_a_mailbox_the_cps_holder_does_not_own_is_refused_with_550_5_7_1_sender_not_bound()
    {
        await using var c = await _gateway.ConnectAsync();
        (await c.CommandAsync("EHLO client.hopital-dev.mssante.test")).AssertCode(250);
        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{RunningGateway.Recipient}>"), 550, "5.7.1", "sender_not_bound");

        // The session stays usable for the holder's own mailbox.
        (await c.CommandAsync($"MAIL FROM:<{RunningGateway.Sender}>")).AssertCode(250);
    }

    [Fact]
    public async Task A_certificate_from_a_rogue_pki_with_the_same_names_is_refused_with_535_5_7_8_client_cert_untrusted()
    {
        using var dir = new TempDirectory("mssgw-rogue-pki");
        var rogue = await DevPki.CreateAsync(dir.Combine("pki"));
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(rogue.ClientPkcs12, DevPki.ClientPkcs12Password);
        Assert.Equal(_gateway.ClientCertificate.Subject, certificate.Subject);

        await using (var c = await _gateway.ConnectAsync(certificate: certificate))
        {
            ReplyAssert.Refused(await c.CommandAsync("EHLO client.hopital-dev.mssante.test"), 535, "5.7.8", "client_cert_untrusted");
        }

        await using (var c = await _gateway.ConnectAsync(implicitTls: true, certificate: certificate))
        {
            ReplyAssert.Refused(await c.CommandAsync("EHLO client.hopital-dev.mssante.test"), 535, "5.7.8", "client_cert_untrusted");
        }
    }
}
