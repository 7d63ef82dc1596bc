using System.Text;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>Messages as an attacker writes them: exact header lines, CRLF, nothing normalised by a library.</summary>
public static class AttackMessages
{
    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    /// <summary>Header lines (each ending in CRLF), the usual To/Subject/MIME-Version, then the body (default: one text line).</summary>
    public static byte[] With(string headerLines, string body = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\ncompte rendu.\r\n") =>
        Ascii(headerLines + $"To: <{AttackGateway.Colleague}>\r\nSubject: compte rendu\r\nDate: Tue, 01 Dec 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n" + body);

    /// <summary>A text body and one base64 part of <paramref name="octets"/> random octets with the given part headers.</summary>
    public static string WithPart(string partHeaders, int octets)
    {
        var data = new byte[octets];
        new Random(octets).NextBytes(data);
        return "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" +
            "--o\r\nContent-Type: text/plain\r\n\r\nVoir ci-joint.\r\n" +
            "--o\r\n" + partHeaders + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64(data) +
            "--o--\r\n";
    }

    public static string Base64(byte[] data) =>
        Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n";

    /// <summary>An RFC 8098 read receipt (multipart/report; report-type=disposition-notification).</summary>
    public const string ReadReceipt =
        "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"r\"\r\n\r\n" +
        "--r\r\nContent-Type: text/plain\r\n\r\nVotre message a ete lu.\r\n" +
        "--r\r\nContent-Type: message/disposition-notification\r\n\r\nReporting-UA: client.test; MUA\r\nFinal-Recipient: rfc822; " + AttackGateway.Holder + "\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n" +
        "--r--\r\n";

    /// <summary>An RFC 3464 delivery report (multipart/report; report-type=delivery-status).</summary>
    public const string DeliveryReport =
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n" +
        "--r\r\nContent-Type: text/plain\r\n\r\nEchec de remise.\r\n" +
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; gateway.operateur-b.mssante.test\r\n\r\nFinal-Recipient: rfc822; x@operateur-b.mssante.test\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
        "--r--\r\n";
}
