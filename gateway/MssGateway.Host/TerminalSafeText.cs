using System.Globalization;
using System.Text;

namespace MssGateway.Host;

/// <summary>
/// Issue 12 rule 8: what a client sends reaches the spool envelope, and from there delivery status
/// notifications and <c>mssgw queue show</c> on an operator's terminal. Control characters (C0, DEL,
/// C1 — U+009B is a terminal's CSI) and bidirectional formatting characters (which reorder what the
/// operator reads) never pass raw: addresses holding them are refused, free text (the EHLO name, the
/// certificate subject) is kept with them escaped as <c>\u{XXXX}</c>.
/// </summary>
public static class TerminalSafeText
{
    /// <summary>True when <paramref name="text"/> holds a character a terminal or a bidi renderer would act on.</summary>
    public static bool HasUnsafeCharacters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text with each unsafe character written as <c>\u{XXXX}</c>; null stays null.</summary>
    public static string? Escape(string? text)
    {
        if (text is null || !HasUnsafeCharacters(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsUnsafe(c))
            {
                sb.Append("\\u{").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append('}');
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static bool IsUnsafe(char c) =>
        char.IsControl(c) // C0, DEL, C1
        || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
