using System.Text;
using MimeKit;
using MssGateway.Host.Tests.Trust;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.MessagePolicy;

/// <summary>MIME messages built with MimeKit and sent over raw SMTP (dot-stuffed) for the end-of-data policy tests.</summary>
public static class PolicyMessages
{
    /// <summary>A text part and one attachment of <paramref name="attachmentBytes"/> random octets, as CRLF wire bytes.</summary>
    public static byte[] WithAttachment(int attachmentBytes)
    {
        var content = new byte[attachmentBytes];
        new Random(attachmentBytes).NextBytes(content);
        var attachment = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(content)),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = "scan.bin" },
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        var multipart = new Multipart("mixed") { new TextPart("plain") { Text = "Compte rendu en pièce jointe." }, attachment };
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(RunningGateway.Sender));
        message.To.Add(MailboxAddress.Parse(RunningGateway.Recipient));
        message.Subject = "policy test";
        message.Body = multipart;
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return stream.ToArray();
    }

    /// <summary>MAIL, RCPT, DATA, the dot-stuffed message and the final dot; returns the reply to the end of data.</summary>
    public static async Task<SmtpTestReply> SendAsync(SmtpTestClient client, byte[] message)
    {
        (await client.CommandAsync($"MAIL FROM:<{RunningGateway.Sender}>")).AssertCode(250);
        (await client.CommandAsync($"RCPT TO:<{RunningGateway.Recipient}>")).AssertCode(250);
        return await SmtpData.SendAsync(client, message);
    }
}
