using System.Security.Cryptography;
using System.Text;

namespace MssGateway.Policy.Tests;

/// <summary>Builds test messages: small ones in memory, large ones streamed to files (never whole in memory).</summary>
public static class TestMessages
{
    public const string Headers =
        "From: Dev Sender <dev.sender@hopital.mssante.test>\r\n" +
        "To: dev.recipient@hopital.mssante.test\r\n" +
        "Subject: Compte rendu\r\n" +
        "Date: Mon, 23 Nov 2026 08:00:00 +0100\r\n" +
        "Message-ID: <test@hopital.mssante.test>\r\n" +
        "MIME-Version: 1.0\r\n";

    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    public static byte[] PlainText(string extraHeaders = "") => Ascii(
        Headers + extraHeaders + "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\nVoici le compte rendu.\r\n");

    /// <summary>
    /// Writes a multipart/mixed message with a text part and one base64 attachment per size given
    /// (random bytes, so the encoded size is the real ~4/3), streaming to <paramref name="path"/>.
    /// </summary>
    public static void WriteWithAttachments(string path, string attachmentType, params long[] decodedSizes)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var w = new StreamWriter(file, new UTF8Encoding(false)) { NewLine = "\r\n" };
        w.Write(Headers);
        w.Write("Content-Type: multipart/mixed; boundary=\"=_outer\"\r\n\r\n");
        w.Write("--=_outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoir pieces jointes.\r\n");
        var n = 0;
        foreach (var size in decodedSizes)
        {
            w.Write($"--=_outer\r\nContent-Type: {attachmentType}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"doc{n++}.pdf\"\r\n\r\n");
            WriteBase64(w, size);
        }

        w.Write("--=_outer--\r\n");
    }

    /// <summary>Writes <paramref name="size"/> random octets as base64 lines of 76 characters.</summary>
    public static void WriteBase64(TextWriter w, long size)
    {
        var chunk = new byte[57 * 1024];
        var rng = new Random(42);
        for (long done = 0; done < size;)
        {
            var n = (int)Math.Min(chunk.Length, size - done);
            rng.NextBytes(chunk.AsSpan(0, n));
            var b64 = Convert.ToBase64String(chunk, 0, n);
            for (var i = 0; i < b64.Length; i += 76)
            {
                w.Write(b64.AsSpan(i, Math.Min(76, b64.Length - i)));
                w.Write("\r\n");
            }

            done += n;
        }
    }

    public static string Base64Lines(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n";
    }
}
