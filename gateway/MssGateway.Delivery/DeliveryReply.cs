using System.Globalization;
using System.Text;

namespace MssGateway.Delivery;

/// <summary>
/// A reply from a next hop, or one the gateway makes up for a local decision (no route, loop,
/// expiry, untrusted peer): basic code, enhanced status code (RFC 3463) and text. Stored in the
/// spool's delivery state as "code enhanced text", quoted in DSNs and shown by the queue CLI.
/// </summary>
public sealed record DeliveryReply(int Code, string EnhancedCode, string Text)
{
    public bool IsPermanent => Code >= 500;

    public bool IsSuccess => Code is >= 200 and < 300;

    /// <summary>
    /// Most characters of a next hop's text kept (Postfix keeps a few hundred too). The text goes into
    /// the state file, the logs, the queue CLI and the DSN's <c>Diagnostic-Code</c> field, which must
    /// stay under RFC 5322's 998-octet line.
    /// </summary>
    public const int MaxTextLength = 512;

    /// <summary>
    /// Builds a reply from a server's code and text; the enhanced code is taken from the text when it
    /// starts with one of the reply's own class (RFC 3463 §2: "550 2.0.0" is not a success). The text
    /// is the next hop's, so it is made harmless: line breaks, control characters (an escape sequence
    /// for the operator's terminal, a NUL that would make the DSN undeliverable) and bidirectional
    /// controls become <c>?</c>, and it is cut at <see cref="MaxTextLength"/> characters.
    /// </summary>
    public static DeliveryReply FromServer(int code, string? text)
    {
        var t = Harmless(text ?? string.Empty).Trim();
        var space = t.IndexOf(' ', StringComparison.Ordinal);
        var first = space < 0 ? t : t[..space];
        if (IsEnhancedCode(first) && first[0] - '0' == code / 100)
        {
            return new DeliveryReply(code, first, space < 0 ? string.Empty : t[(space + 1)..].Trim());
        }

        var cls = code / 100;
        return new DeliveryReply(code, cls is 2 or 4 or 5 ? $"{cls}.0.0" : "4.0.0", t);
    }

    /// <summary>Parses the stored form back (for DSNs after a restart).</summary>
    public static DeliveryReply? Parse(string? stored)
    {
        if (string.IsNullOrEmpty(stored) || stored.Length < 3 || !int.TryParse(stored.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return null;
        }

        return FromServer(code, stored.Length > 4 ? stored[4..] : string.Empty);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Code} {EnhancedCode} {Text}").TrimEnd();

    private static string Harmless(string text)
    {
        var cut = text.Length > MaxTextLength;
        var span = cut ? text.AsSpan(0, char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength) : text.AsSpan();
        var sb = new StringBuilder(span.Length + 1);
        foreach (var c in span)
        {
            sb.Append(c switch
            {
                '\r' or '\n' or '\t' => ' ',
                < ' ' or '\u007F' or (>= '\u0080' and <= '\u009F') => '?',
                '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') => '?',
                _ => c,
            });
        }

        if (cut)
        {
            sb.Append("...");
        }

        return sb.ToString();
    }

    private static bool IsEnhancedCode(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5" && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit));
    }
}
