using System.Text;

namespace MssGateway.Testing;

/// <summary>Message data over a <see cref="SmtpTestClient"/>: DATA, the message dot-stuffed (RFC 5321 §4.5.2), the final dot.</summary>
public static class SmtpData
{
    /// <summary>Sends DATA (354 expected), then <paramref name="message"/> (CRLF text) and ".": returns the reply to the end of data.</summary>
    public static async Task<SmtpTestReply> SendAsync(SmtpTestClient client, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(message);
        (await client.CommandAsync("DATA")).AssertCode(354);
        var text = Encoding.Latin1.GetString(message);
        var stuffed = (text.StartsWith('.') ? "." : string.Empty) + text.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        if (!stuffed.EndsWith("\r\n", StringComparison.Ordinal))
        {
            stuffed += "\r\n";
        }

        await client.SendBytesAsync(Encoding.Latin1.GetBytes(stuffed + ".\r\n"));
        return await client.ReadReplyAsync();
    }
}
