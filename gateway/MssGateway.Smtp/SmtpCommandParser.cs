using System.Globalization;
using System.Text;

namespace MssGateway.Smtp;

/// <summary>
/// Parses the arguments of MAIL and RCPT (RFC 5321 §4.1.2 paths, §4.5.3.1 lengths) and their
/// extension parameters: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID and
/// NOTIFY/ORCPT (RFC 3461, xtext-encoded). Errors are replies, never exceptions.
/// </summary>
public static class SmtpCommandParser
{
    private const int MaxLocalPart = 64;
    private const int MaxDomain = 255;
    private const int MaxPath = 256;

    /// <summary>Parses "FROM:&lt;path&gt; [params]"; returns a reply on error.</summary>
    public static SmtpReply? ParseMailFrom(string arguments, out SmtpMailFrom? mailFrom)
    {
        mailFrom = null;
        if (!TrySplitPath(arguments, "FROM:", out var path, out var rest))
        {
            return SmtpReplies.SyntaxError.WithText("Syntax: MAIL FROM:<address> [parameters]");
        }

        long? size = null;
        var body = SmtpBodyType.Unspecified;
        var smtpUtf8 = false;
        var ret = DsnReturn.Unspecified;
        string? envId = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Parameters(rest))
        {
            if (!seen.Add(key))
            {
                return SmtpReplies.SyntaxError.WithText($"Duplicate parameter {key}");
            }

            switch (key.ToUpperInvariant())
            {
                case "SIZE":
                    if (value is null || value.Length > 20 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                    {
                        return SmtpReplies.SyntaxError.WithText("SIZE needs a number of octets");
                    }

                    size = s;
                    break;
                case "BODY":
                    switch (value?.ToUpperInvariant())
                    {
                        case "7BIT": body = SmtpBodyType.SevenBit; break;
                        case "8BITMIME": body = SmtpBodyType.EightBitMime; break;
                        default: return SmtpReplies.UnsupportedParameter.WithText("BODY must be 7BIT or 8BITMIME");
                    }

                    break;
                case "SMTPUTF8":
                    if (value is not null)
                    {
                        return SmtpReplies.SyntaxError.WithText("SMTPUTF8 takes no value");
                    }

                    smtpUtf8 = true;
                    break;
                case "RET":
                    switch (value?.ToUpperInvariant())
                    {
                        case "FULL": ret = DsnReturn.Full; break;
                        case "HDRS": ret = DsnReturn.Headers; break;
                        default: return SmtpReplies.SyntaxError.WithText("RET must be FULL or HDRS");
                    }

                    break;
                case "ENVID":
                    envId = value is null ? null : DecodeXtext(value);
                    if (envId is null || value!.Length > 100)
                    {
                        return SmtpReplies.SyntaxError.WithText("ENVID must be xtext of at most 100 characters");
                    }

                    if (!IsPrintableAscii(envId))
                    {
                        // RFC 3461 §4.4: the decoded ENVID is printable US-ASCII; it is copied into DSNs and the queue CLI.
                        return SmtpReplies.BadDsnParameter.WithText("ENVID must decode to printable US-ASCII");
                    }

                    break;
                default:
                    return SmtpReplies.UnsupportedParameter.WithText($"Unsupported MAIL parameter {Printable(key)}");
            }
        }

        var error = ValidatePath(path, allowNull: true, smtpUtf8, out var address);
        if (error is not null)
        {
            return error;
        }

        mailFrom = new SmtpMailFrom { Address = address, DeclaredSize = size, Body = body, SmtpUtf8 = smtpUtf8, Ret = ret, EnvelopeId = envId };
        return null;
    }

    /// <summary>Parses "TO:&lt;path&gt; [params]"; returns a reply on error.</summary>
    public static SmtpReply? ParseRcptTo(string arguments, bool smtpUtf8, out SmtpRecipient? recipient)
    {
        recipient = null;
        if (!TrySplitPath(arguments, "TO:", out var path, out var rest))
        {
            return SmtpReplies.SyntaxError.WithText("Syntax: RCPT TO:<address> [parameters]");
        }

        var notify = DsnNotify.Unspecified;
        string? orcpt = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Parameters(rest))
        {
            if (!seen.Add(key))
            {
                return SmtpReplies.SyntaxError.WithText($"Duplicate parameter {key}");
            }

            switch (key.ToUpperInvariant())
            {
                case "NOTIFY":
                    notify = ParseNotify(value);
                    if (notify == DsnNotify.Unspecified)
                    {
                        return SmtpReplies.SyntaxError.WithText("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                    }

                    break;
                case "ORCPT":
                    var semi = value?.IndexOf(';', StringComparison.Ordinal) ?? -1;
                    var decoded = semi > 0 ? DecodeXtext(value![(semi + 1)..]) : null;
                    if (decoded is null || value!.Length > 500)
                    {
                        return SmtpReplies.SyntaxError.WithText("ORCPT must be addr-type;xtext");
                    }

                    if (!IsAddressType(value.AsSpan(0, semi)) || decoded.Length == 0 || !IsPrintableAscii(decoded))
                    {
                        // RFC 3461 §4.2: addr-type is an atom and the decoded address printable US-ASCII (utf-8 addresses
                        // use RFC 6533's \x{HHHH} escapes); both are copied into DSNs and the queue CLI.
                        return SmtpReplies.BadDsnParameter.WithText("ORCPT must be an addr-type atom and xtext decoding to printable US-ASCII");
                    }

                    orcpt = value[..semi] + ";" + decoded;
                    break;
                default:
                    return SmtpReplies.UnsupportedParameter.WithText($"Unsupported RCPT parameter {Printable(key)}");
            }
        }

        var error = ValidatePath(path, allowNull: false, smtpUtf8, out var address);
        if (error is not null)
        {
            return error;
        }

        recipient = new SmtpRecipient { Address = address, Notify = notify, OriginalRecipient = orcpt };
        return null;
    }

    /// <summary>Checks the EHLO/HELO argument: a domain or an address literal.</summary>
    public static bool IsValidHeloName(string name)
    {
        if (name.Length is 0 or > MaxDomain)
        {
            return false;
        }

        if (name[0] == '[')
        {
            return name[^1] == ']' && name.Length > 2;
        }

        return IsValidDomain(name, allowUtf8: true);
    }

    /// <summary>Decodes RFC 3461 xtext ("+HH" escapes); null when malformed.</summary>
    public static string? DecodeXtext(string xtext)
    {
        var sb = new StringBuilder(xtext.Length);
        for (var i = 0; i < xtext.Length; i++)
        {
            var c = xtext[i];
            if (c == '+')
            {
                if (i + 2 >= xtext.Length || !byte.TryParse(xtext.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return null;
                }

                sb.Append((char)b);
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return null;
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>True when every character is printable US-ASCII (SP to '~'): no control, no DEL, nothing above 127.</summary>
    public static bool IsPrintableAscii(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 3461 §4.2 addr-type: an atom; registered types (rfc822, utf-8, x400…) are letters, digits and '-'.</summary>
    private static bool IsAddressType(ReadOnlySpan<char> type)
    {
        if (type.Length is 0 or > 32)
        {
            return false;
        }

        foreach (var c in type)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Encodes text as RFC 3461 xtext.</summary>
    public static string EncodeXtext(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is < '!' or > '~' or '+' or '=')
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    sb.Append('+').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static DsnNotify ParseNotify(string? value)
    {
        if (value is null)
        {
            return DsnNotify.Unspecified;
        }

        if (value.Equals("NEVER", StringComparison.OrdinalIgnoreCase))
        {
            return DsnNotify.Never;
        }

        var result = DsnNotify.Unspecified;
        foreach (var part in value.Split(','))
        {
            switch (part.ToUpperInvariant())
            {
                case "SUCCESS": result |= DsnNotify.Success; break;
                case "FAILURE": result |= DsnNotify.Failure; break;
                case "DELAY": result |= DsnNotify.Delay; break;
                default: return DsnNotify.Unspecified;
            }
        }

        return result;
    }

    /// <summary>Splits "FROM:&lt;...&gt; params" (a space after the colon is tolerated, as most servers do).</summary>
    private static bool TrySplitPath(string arguments, string prefix, out string path, out string rest)
    {
        path = rest = string.Empty;
        if (!arguments.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var s = arguments[prefix.Length..].TrimStart(' ');
        if (s.Length == 0 || s[0] != '<')
        {
            return false;
        }

        // Find the closing '>' outside a quoted local part.
        var inQuotes = false;
        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (inQuotes && c == '\\')
            {
                i++;
                continue;
            }

            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c == '>' && !inQuotes)
            {
                path = s[1..i];
                rest = s[(i + 1)..];
                return rest.Length == 0 || rest[0] == ' ';
            }
        }

        return false;
    }

    private static IEnumerable<(string Key, string? Value)> Parameters(string rest)
    {
        foreach (var p in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            yield return eq < 0 ? (p, null) : (p[..eq], p[(eq + 1)..]);
        }
    }

    private static SmtpReply? ValidatePath(string path, bool allowNull, bool smtpUtf8, out string address)
    {
        address = string.Empty;
        if (path.Length == 0)
        {
            return allowNull ? null : SmtpReplies.BadAddressSyntax.WithText("Recipient address required");
        }

        if (path.Length > MaxPath - 2)
        {
            return SmtpReplies.BadAddressSyntax.WithText("Path too long");
        }

        // Source routes (@a,@b:) are obsolete: accepted and ignored (RFC 5321 §3.3, §C).
        if (path[0] == '@')
        {
            var colon = path.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return SmtpReplies.BadAddressSyntax;
            }

            path = path[(colon + 1)..];

            // "<@a,@b:>" has a route and no mailbox (fuzzing finding: it indexed past the end).
            if (path.Length == 0)
            {
                return SmtpReplies.BadAddressSyntax;
            }
        }

        var hasNonAscii = false;
        foreach (var c in path)
        {
            if (c > 127)
            {
                hasNonAscii = true;
            }
            else if (c < 32 || c == 127)
            {
                return SmtpReplies.BadAddressSyntax.WithText("Control character in address");
            }
        }

        if (hasNonAscii && !smtpUtf8)
        {
            return SmtpReplies.NonAsciiAddressWithoutSmtpUtf8;
        }

        int at;
        if (path[0] == '"')
        {
            var end = 1;
            while (end < path.Length && path[end] != '"')
            {
                end += path[end] == '\\' ? 2 : 1;
            }

            if (end >= path.Length - 1 || path[end + 1] != '@')
            {
                return SmtpReplies.BadAddressSyntax;
            }

            at = end + 1;
        }
        else
        {
            at = path.LastIndexOf('@');
            if (at <= 0 || !IsDotString(path.AsSpan(0, at)))
            {
                return SmtpReplies.BadAddressSyntax;
            }
        }

        var domain = path[(at + 1)..];
        if (at > MaxLocalPart || domain.Length == 0 || !(IsAddressLiteral(domain) || IsValidDomain(domain, smtpUtf8)))
        {
            return SmtpReplies.BadAddressSyntax;
        }

        address = path;
        return null;
    }

    private static bool IsDotString(ReadOnlySpan<char> local)
    {
        if (local.Length == 0 || local[0] == '.' || local[^1] == '.')
        {
            return false;
        }

        for (var i = 0; i < local.Length; i++)
        {
            var c = local[i];
            if (c == '.')
            {
                if (local[i - 1] == '.')
                {
                    return false;
                }
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal) || c > 127))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAddressLiteral(string domain) => domain.Length > 2 && domain[0] == '[' && domain[^1] == ']';

    private static bool IsValidDomain(string domain, bool allowUtf8)
    {
        if (domain.Length > MaxDomain)
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || (allowUtf8 && c > 127 && char.IsLetterOrDigit(c))))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static string Printable(string s) => s.Length > 20 ? s[..20] : s;
}
