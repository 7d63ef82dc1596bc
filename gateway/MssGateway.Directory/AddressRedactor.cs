using System.Security.Cryptography;
using System.Text;

namespace MssGateway.Directory;

/// <summary>
/// Renders mail addresses for logs (issue 12 rule 9: no address in clear when hashing is on): as they
/// are, or as a keyed hash — <c>h:</c> + 16 hex digits of HMAC-SHA256 of the <see cref="AddressKey"/>
/// normal form — so that log lines of one mailbox can be correlated without naming it. A keyed hash,
/// not a plain one: the national directory is published, so an unkeyed hash of its ~500,000 addresses
/// is reversed by hashing them all. <see cref="RedactText"/> does the same inside free text (a remote
/// server's reply quoted in a delivery log, a certificate subject with an emailAddress attribute).
/// Lives with <see cref="AddressKey"/> because it hashes that normal form; the host and delivery share it.
/// </summary>
public sealed class AddressRedactor
{
    private readonly byte[]? _key;

    /// <param name="key">The HMAC key (at least 16 octets), or null to log addresses as they are.</param>
    public AddressRedactor(byte[]? key)
    {
        if (key is not null && key.Length < 16)
        {
            throw new ArgumentException("The address hash key must hold at least 16 octets.", nameof(key));
        }

        _key = key?.ToArray();
    }

    /// <summary>Logs addresses as they are (dev mode, or hashing turned off).</summary>
    public static AddressRedactor Clear { get; } = new(null);

    /// <summary>True when addresses are replaced by their keyed hash.</summary>
    public bool IsHashing => _key is not null;

    /// <summary>The address as it may appear in a log: itself, or its keyed hash; the null sender stays empty.</summary>
    public string Render(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_key is null || address.Length == 0)
        {
            return address;
        }

        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(AddressKey.Normalise(address)));
        return "h:" + Convert.ToHexStringLower(mac.AsSpan(0, 8));
    }

    /// <summary>
    /// Free text with every address in it replaced by <see cref="Render"/>: any run of characters that holds
    /// an '@' between delimiters (white space, &lt; &gt; ( ) [ ] , ; : ' and quotes), a quoted local part
    /// ("a b"@x) included. Host names and words without '@' are kept, so "550 5.1.1 &lt;bob@x&gt;: unknown"
    /// becomes "550 5.1.1 &lt;h:…&gt;: unknown". Null stays null.
    /// </summary>
    public string? RedactText(string? text)
    {
        if (_key is null || string.IsNullOrEmpty(text) || !text.Contains('@', StringComparison.Ordinal))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (IsDelimiter(text[i]) && text[i] != '"')
            {
                sb.Append(text[i++]);
                continue;
            }

            var end = TokenEnd(text, i);
            var token = text[i..end];
            if (token.Contains('@', StringComparison.Ordinal))
            {
                // Trailing sentence punctuation is not part of the address ("... for bob@x.").
                var trimmed = token.TrimEnd('.', '!', '?');
                sb.Append(Render(trimmed)).Append(token, trimmed.Length, token.Length - trimmed.Length);
            }
            else
            {
                sb.Append(token);
            }

            i = end;
        }

        return sb.ToString();
    }

    /// <summary>End of the token starting at <paramref name="start"/>: a quoted string is one piece with what follows it.</summary>
    private static int TokenEnd(string text, int start)
    {
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                var close = i + 1;
                while (close < text.Length && text[close] != '"')
                {
                    close += text[close] == '\\' ? 2 : 1;
                }

                i = Math.Min(close + 1, text.Length);
                continue;
            }

            if (IsDelimiter(c))
            {
                break;
            }

            i++;
        }

        return i == start ? start + 1 : i;
    }

    private static bool IsDelimiter(char c) =>
        char.IsWhiteSpace(c) || c is '<' or '>' or '(' or ')' or '[' or ']' or ',' or ';' or ':' or '\'' or '"' or '{' or '}';
}
