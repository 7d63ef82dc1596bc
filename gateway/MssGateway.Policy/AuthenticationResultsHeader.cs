using System.Globalization;
using System.Text;

namespace MssGateway.Policy;

/// <summary>
/// Writes and reads the <c>Authentication-Results</c> header field (RFC 8601) this gateway adds:
/// an <c>x-tls</c> result naming the TLS session and its client certificate identity (in a comment,
/// free text by RFC 8601 §2.2), and an <c>smime</c> result (RFC 7281) with the signer as
/// <c>body.smime-identifier</c>, <c>body.smime-serial</c>, <c>body.smime-issuer</c> and the From it was
/// matched against as <c>header.from</c>. docs/policy.md "Authentication-Results" shows examples.
/// Everything written is ASCII: non-ASCII characters of DNs are written as RFC 4514 \XX escapes.
/// </summary>
public static class AuthenticationResultsHeader
{
    public const string FieldName = "Authentication-Results";

    private const int MaxDnLength = 512;

    /// <summary>The whole header field, folded one result per line, ending in CRLF.</summary>
    public static string Build(string authServId, MessagePolicyContext context, SmimeVerdict smime, SmimeSignerSummary? signer, string? matchedFrom, SenderBindingViolation? binding = null)
    {
        ArgumentNullException.ThrowIfNull(authServId);
        ArgumentNullException.ThrowIfNull(context);
        var results = new List<string>(3) { TlsResult(context), SenderBindingResult(context, binding) };
        if (context.SmimePolicy != SmimePolicy.Off)
        {
            results.Add(SmimeResult(smime, signer, matchedFrom));
        }

        var sb = new StringBuilder(256);
        sb.Append(FieldName).Append(": ").Append(authServId);
        foreach (var r in results)
        {
            sb.Append(";\r\n\t").Append(r);
        }

        return sb.Append("\r\n").ToString();
    }

    /// <summary>The RFC 7281 result keyword and reason for a verdict.</summary>
    public static (string Result, string? Reason) SmimeResultOf(SmimeVerdict verdict) => verdict switch
    {
        SmimeVerdict.Pass => ("pass", null),
        SmimeVerdict.None => ("none", null),
        SmimeVerdict.Fail => ("fail", "bad_signature"),
        SmimeVerdict.Untrusted => ("fail", "untrusted"),
        SmimeVerdict.Revoked => ("fail", "revoked"),
        SmimeVerdict.Expired => ("fail", "expired"),
        SmimeVerdict.SignerMismatch => ("policy", "signer_mismatch"),
        SmimeVerdict.Partial => ("neutral", "partial"),
        SmimeVerdict.WeakAlgorithm => ("fail", "weak_algorithm"),
        SmimeVerdict.PermError => ("permerror", "cms_error"),
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    /// <summary>
    /// The authserv-id of an Authentication-Results field value (RFC 8601 §2.2: [CFWS] authserv-id, a
    /// value: token or quoted-string), or null when the value does not start with one.
    /// </summary>
    public static string? ParseAuthServId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var i = SkipCfws(value, 0);
        if (i >= value.Length)
        {
            return null;
        }

        if (value[i] == '"')
        {
            var sb = new StringBuilder();
            for (i++; i < value.Length && value[i] != '"'; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                {
                    i++;
                }

                sb.Append(value[i]);
            }

            return i < value.Length ? sb.ToString() : null;
        }

        var start = i;
        while (i < value.Length && !char.IsWhiteSpace(value[i]) && value[i] is not (';' or '(' or '"'))
        {
            i++;
        }

        return i > start ? value[start..i] : null;
    }

    /// <summary>Whether a configured authserv-id can be written as a bare token (a host name).</summary>
    public static bool IsValidAuthServId(string value) =>
        value.Length is > 0 and <= 253 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    private static string TlsResult(MessagePolicyContext context)
    {
        if (string.IsNullOrEmpty(context.TlsVersion))
        {
            return "x-tls=none (plaintext session)";
        }

        var comment = new StringBuilder();
        comment.Append(context.TlsVersion);
        if (!string.IsNullOrEmpty(context.TlsCipher))
        {
            comment.Append(' ').Append(context.TlsCipher);
        }

        if (context.ClientCertificateSubject is not null)
        {
            comment.Append("; client certificate \"").Append(Ascii(Truncate(context.ClientCertificateSubject))).Append('"');
            if (!string.IsNullOrEmpty(context.ClientNationalIdentifier))
            {
                comment.Append(", national identifier ").Append(context.ClientNationalIdentifier);
            }
            else if (!string.IsNullOrEmpty(context.ClientStructureIdentifier))
            {
                comment.Append(", structure identifier ").Append(context.ClientStructureIdentifier);
            }
        }
        else
        {
            comment.Append("; no client certificate");
        }

        return "x-tls=pass (" + CommentText(comment.ToString()) + ")";
    }

    /// <summary>
    /// <c>x-sender-binding</c> (a local method, like x-tls): <c>pass</c> when MAIL FROM and the From/Sender
    /// fields are bound to the client certificate, <c>fail reason="…"</c> when they are not and the listener
    /// only tags (issue 12 rule 1), <c>none</c> without a client certificate identity.
    /// </summary>
    private static string SenderBindingResult(MessagePolicyContext context, SenderBindingViolation? binding)
    {
        if (context.ClientIdentity is null)
        {
            return "x-sender-binding=none (no client certificate identity)";
        }

        return binding is null
            ? "x-sender-binding=pass"
            : $"x-sender-binding=fail reason=\"{binding.Reason}\" (not enforced on this listener: SenderBinding=Tag)";
    }

    private static string SmimeResult(SmimeVerdict verdict, SmimeSignerSummary? signer, string? matchedFrom)
    {
        var (result, reason) = SmimeResultOf(verdict);
        var sb = new StringBuilder("smime=").Append(result);
        if (reason is not null)
        {
            sb.Append(" reason=\"").Append(reason).Append('"');
        }

        if (signer is not null && verdict != SmimeVerdict.None)
        {
            if (!string.IsNullOrEmpty(matchedFrom))
            {
                sb.Append(" header.from=").Append(PropertyValue(matchedFrom));
            }

            if (!string.IsNullOrEmpty(signer.NationalIdentifier))
            {
                sb.Append(" (national identifier ").Append(CommentText(signer.NationalIdentifier)).Append(')');
            }

            sb.Append(" body.smime-identifier=").Append(PropertyValue(signer.Identifier));
            sb.Append(" body.smime-serial=").Append(PropertyValue(signer.SerialNumber));
            sb.Append(" body.smime-issuer=").Append(Quoted(Ascii(Truncate(signer.Issuer))));
        }

        return sb.ToString();
    }

    /// <summary>A pvalue: a bare address or token when it is one, otherwise a quoted-string.</summary>
    private static string PropertyValue(string value)
    {
        var ascii = Ascii(value);
        var at = ascii.LastIndexOf('@');
        var bare = ascii.Length > 0 && ascii.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '@')
            && (at < 0 || (at > 0 && at < ascii.Length - 1 && ascii.IndexOf('@') == at));
        return bare ? ascii : Quoted(ascii);
    }

    private static string Quoted(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }

    private static string CommentText(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in Ascii(value))
        {
            if (c is '(' or ')' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Replaces control and non-ASCII characters by RFC 4514 style \XX escapes of their UTF-8 octets.</summary>
    private static string Ascii(string value)
    {
        var sb = new StringBuilder(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is >= 0x20 and < 0x7F)
            {
                sb.Append((char)rune.Value);
                continue;
            }

            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                sb.Append('\\').Append(utf8[k].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string Truncate(string value) => value.Length <= MaxDnLength ? value : value[..MaxDnLength] + "...";

    private static int SkipCfws(string s, int i)
    {
        while (i < s.Length)
        {
            if (char.IsWhiteSpace(s[i]))
            {
                i++;
            }
            else if (s[i] == '(')
            {
                var depth = 0;
                for (; i < s.Length; i++)
                {
                    if (s[i] == '\\')
                    {
                        i++;
                    }
                    else if (s[i] == '(')
                    {
                        depth++;
                    }
                    else if (s[i] == ')' && --depth == 0)
                    {
                        i++;
                        break;
                    }
                }
            }
            else
            {
                break;
            }
        }

        return i;
    }
}
