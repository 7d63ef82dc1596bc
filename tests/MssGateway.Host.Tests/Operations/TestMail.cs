using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Sends mail to a <see cref="GatewayProcess"/> with MailKit, as a hospital client would (dev CPS certificate).</summary>
public static class TestMail
{
    public const string Sender = "dev.sender@hopital-dev.mssante.test";
    public const string Recipient = "dev.recipient@hopital-dev.mssante.test";

    /// <summary>Sends one message over STARTTLS on "submission"; returns the server's final reply text or the refusal.</summary>
    public static async Task<string> SendAsync(GatewayProcess gateway, string to, string subject, string body, bool withCertificate = true)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Sender));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };

        using var client = new SmtpClient();
        client.CheckCertificateRevocation = false;
        client.ServerCertificateValidationCallback = (_, _, _, _) => true; // the test trusts its own dev PKI
        if (withCertificate)
        {
            client.ClientCertificates = [X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(gateway.PkiDirectory, "client-cps.p12"), "dev")];
        }

        try
        {
            await client.ConnectAsync("127.0.0.1", gateway.SubmissionPort, SecureSocketOptions.StartTls);
            var reply = await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
            return reply;
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or SslHandshakeException or ServiceNotConnectedException or IOException or AuthenticationException)
        {
            return "refused: " + ex.Message;
        }
    }
}
