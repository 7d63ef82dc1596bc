using System.Globalization;
using System.Text;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// The envelope commands the gateway writes (RFC 5321 §4.1.1.2–3 with the SIZE, BODY, SMTPUTF8 and DSN
/// parameters). Every value comes from the spool, but none is trusted to be writable: an address with a
/// control character, an angle bracket or a bare space would let a stored value inject a command, so it is
/// refused here (the recipient fails with 5.1.3, the sender with 5.1.7) and nothing is written.
/// </summary>
internal static class SmtpCommandText
{
    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets.</summary>
    public const int MaxPathLength = 256;

    /// <summary>Whether an address can be put between angle brackets as it is (non-ASCII only with SMTPUTF8).</summary>
    public static bool IsWritable(string address, bool utf8)
    {
        if (Encoding.UTF8.GetByteCount(address) > MaxPathLength)
        {
            return false;
        }

        var quoted = false;
        for (var i = 0; i < address.Length; i++)
        {
            var c = address[i];
            if (c < ' ' || c == 0x7F || c == '<' || c == '>' || (c > 0x7F && !utf8))
            {
                return false;
            }

            if (c == '"' && (i == 0 || address[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (c == ' ' && !quoted)
            {
                return false;
            }
        }

        return !quoted;
    }

    public static string MailFrom(SpoolEnvelope envelope, PeerCapabilities peer, long size)
    {
        var b = new StringBuilder("MAIL FROM:<").Append(envelope.Sender).Append('>');
        if (peer.Has(PeerExtensions.Size))
        {
            b.Append(CultureInfo.InvariantCulture, $" SIZE={size}");
        }

        if (envelope.Body is "8BITMIME" or "7BIT" && peer.Has(PeerExtensions.EightBitMime))
        {
            b.Append(" BODY=").Append(envelope.Body);
        }

        if (envelope.SmtpUtf8 && peer.Has(PeerExtensions.SmtpUtf8))
        {
            b.Append(" SMTPUTF8");
        }

        if (peer.Has(PeerExtensions.Dsn))
        {
            if (envelope.DsnReturn?.ToUpperInvariant() is "FULL" or "HDRS")
            {
                b.Append(" RET=").Append(envelope.DsnReturn.ToUpperInvariant());
            }

            if (!string.IsNullOrEmpty(envelope.DsnEnvelopeId))
            {
                b.Append(" ENVID=").Append(XText(envelope.DsnEnvelopeId));
            }
        }

        return b.Append("\r\n").ToString();
    }

    public static string RcptTo(SpoolRecipient recipient, PeerCapabilities peer)
    {
        var b = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (peer.Has(PeerExtensions.Dsn))
        {
            var notify = Notify(recipient.Notify);
            if (notify is not null)
            {
                b.Append(" NOTIFY=").Append(notify);
            }

            if (OriginalRecipient(recipient.OriginalRecipient) is { } orcpt)
            {
                b.Append(" ORCPT=").Append(orcpt);
            }
        }

        return b.Append("\r\n").ToString();
    }

    /// <summary>NOTIFY as stored, normalised; null when absent or not made of the RFC 3461 words.</summary>
    private static string? Notify(string? notify)
    {
        if (string.IsNullOrWhiteSpace(notify))
        {
            return null;
        }

        var words = notify.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToUpperInvariant()).ToList();
        return words.Count > 0 && words.All(w => w is "NEVER" or "SUCCESS" or "FAILURE" or "DELAY") ? string.Join(',', words) : null;
    }

    /// <summary>ORCPT as stored ("addr-type;address", decoded) encoded again: xtext for rfc822, RFC 6533 escapes for utf-8.</summary>
    private static string? OriginalRecipient(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return null;
        }

        var semicolon = stored.IndexOf(';', StringComparison.Ordinal);
        if (semicolon <= 0 || semicolon == stored.Length - 1)
        {
            return null;
        }

        var type = stored[..semicolon].Trim();
        var address = stored[(semicolon + 1)..];
        if (!type.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return null;
        }

        if (Ascii.IsValid(address))
        {
            return (type.Equals("utf-8", StringComparison.OrdinalIgnoreCase) ? "rfc822" : type) + ";" + XText(address);
        }

        // RFC 6533 §3: utf-8-addr-xtext, every character outside printable ASCII as \x{HEX}.
        var b = new StringBuilder("utf-8;");
        foreach (var rune in address.EnumerateRunes())
        {
            if (rune.Value is > 0x20 and < 0x7F && rune.Value is not ('+' or '=' or '\\'))
            {
                b.Append((char)rune.Value);
            }
            else
            {
                b.Append(CultureInfo.InvariantCulture, $"\\x{{{rune.Value:X}}}");
            }
        }

        return b.ToString();
    }

    /// <summary>RFC 3461 §4: xtext, "+" and hex for anything outside "!".."~", "+" and "=".</summary>
    public static string XText(string value)
    {
        var b = new StringBuilder(value.Length);
        foreach (var octet in Encoding.UTF8.GetBytes(value))
        {
            if (octet is >= 0x21 and <= 0x7E && octet is not ((byte)'+' or (byte)'='))
            {
                b.Append((char)octet);
            }
            else
            {
                b.Append(CultureInfo.InvariantCulture, $"+{octet:X2}");
            }
        }

        return b.ToString();
    }
}
