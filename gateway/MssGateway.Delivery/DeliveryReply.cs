using System.Globalization;

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

    /// <summary>Builds a reply from a server's code and text; the enhanced code is taken from the text when it starts with one.</summary>
    public static DeliveryReply FromServer(int code, string? text)
    {
        var t = (text ?? string.Empty).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Trim();
        var space = t.IndexOf(' ', StringComparison.Ordinal);
        var first = space < 0 ? t : t[..space];
        if (IsEnhancedCode(first))
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

    private static bool IsEnhancedCode(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5" && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit));
    }
}
