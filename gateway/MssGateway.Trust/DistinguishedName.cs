using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.Trust;

/// <summary>
/// An X.500 distinguished name as a list of RDNs, each a set of (attribute OID, value) pairs, in
/// RFC 2253 order (most specific first). Reads the DER form of certificates and the text form of the
/// liste blanche (DNCertificatOperateur), renders RFC 2253 text, and compares names semantically:
/// attribute types by OID, values case-insensitively with runs of white space collapsed (RFC 4518 in
/// spirit), the AVAs of a multi-valued RDN in any order.
/// </summary>
public sealed class DistinguishedName
{
    private static readonly Dictionary<string, string> ShortNames = new(StringComparer.Ordinal)
    {
        ["2.5.4.3"] = "CN", ["2.5.4.4"] = "SN", ["2.5.4.42"] = "GN", ["2.5.4.12"] = "title", ["2.5.4.5"] = "serialNumber",
        ["2.5.4.6"] = "C", ["2.5.4.7"] = "L", ["2.5.4.8"] = "ST", ["2.5.4.9"] = "STREET", ["2.5.4.10"] = "O",
        ["2.5.4.11"] = "OU", ["2.5.4.65"] = "pseudonym", ["0.9.2342.19200300.100.1.25"] = "DC",
        ["0.9.2342.19200300.100.1.1"] = "UID", ["1.2.840.113549.1.9.1"] = "emailAddress", ["2.5.4.97"] = "organizationIdentifier",
    };

    private static readonly Dictionary<string, string> OidsByName = BuildOidsByName();

    private static readonly Encoding Utf32BigEndian = new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true);

    private DistinguishedName(IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> rdns)
    {
        Rdns = rdns;
        CanonicalKey = BuildCanonical(rdns);
    }

    /// <summary>RDNs, most specific first (CN … C); each RDN's (OID, value) pairs in their encoded order.</summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Rdns { get; }

    /// <summary>A normalised text key: equal for names that <see cref="SemanticEquals"/> says are equal in the same order.</summary>
    public string CanonicalKey { get; }

    /// <summary>The <see cref="CanonicalKey"/> of this name written in the reverse RDN order.</summary>
    internal string ReversedCanonicalKey => BuildCanonical(Rdns.Reverse());

    public static DistinguishedName FromX500(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return FromDer(name.RawData);
    }

    /// <summary>Reads a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue).</summary>
    /// <exception cref="AsnContentException">The bytes are not a Name.</exception>
    public static DistinguishedName FromDer(ReadOnlyMemory<byte> der)
    {
        var rdns = new List<IReadOnlyList<KeyValuePair<string, string>>>();
        var reader = new AsnReader(der, AsnEncodingRules.BER);
        var seq = reader.ReadSequence();
        while (seq.HasData)
        {
            var set = seq.ReadSetOf(skipSortOrderValidation: true);
            var avas = new List<KeyValuePair<string, string>>();
            while (set.HasData)
            {
                var ava = set.ReadSequence();
                var oid = ava.ReadObjectIdentifier();
                avas.Add(new(oid, ReadValue(ava)));
            }

            rdns.Add(avas);
        }

        rdns.Reverse(); // DER order is most significant first; RFC 2253 text is the reverse
        return new DistinguishedName(rdns);
    }

    /// <summary>
    /// Parses RFC 2253/4514 text ("CN=a,OU=b+O=c,C=FR"), also accepting ", " and "; " separators, the
    /// names of OpenSSL and .NET (E, S, G, GIVENNAME, T…) and dotted OIDs.
    /// </summary>
    /// <exception cref="FormatException">The text is not a DN.</exception>
    public static DistinguishedName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rdns = new List<IReadOnlyList<KeyValuePair<string, string>>>();
        var avas = new List<KeyValuePair<string, string>>();
        var i = 0;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return new DistinguishedName(rdns);
        }

        while (i <= s.Length)
        {
            var eq = s.IndexOf('=', i);
            if (eq < 0)
            {
                throw new FormatException($"'{text}' is not a distinguished name: attribute without '=' at {i}.");
            }

            var type = s[i..eq].Trim();
            if (type.StartsWith("OID.", StringComparison.OrdinalIgnoreCase))
            {
                type = type[4..];
            }

            var oid = OidsByName.GetValueOrDefault(type.ToUpperInvariant())
                ?? (IsDottedOid(type) ? type : throw new FormatException($"'{text}': unknown attribute type '{type}'."));
            i = eq + 1;
            var value = new StringBuilder();
            var end = false;
            char? separator = null;
            var quoted = false;
            while (i < s.Length && !end)
            {
                var c = s[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        value.Append(c);
                    }

                    i++;
                    continue;
                }

                switch (c)
                {
                    case '\\' when i + 1 < s.Length:
                        if (i + 2 < s.Length && Uri.IsHexDigit(s[i + 1]) && Uri.IsHexDigit(s[i + 2]))
                        {
                            // \XX escapes are UTF-8 octets: collect consecutive ones.
                            var bytes = new List<byte>();
                            while (i + 2 < s.Length && s[i] == '\\' && Uri.IsHexDigit(s[i + 1]) && Uri.IsHexDigit(s[i + 2]))
                            {
                                bytes.Add(byte.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                                i += 3;
                            }

                            value.Append(Encoding.UTF8.GetString([.. bytes]));
                            continue;
                        }

                        value.Append(s[i + 1]);
                        i += 2;
                        continue;
                    case '"':
                        quoted = true;
                        i++;
                        continue;
                    case ',' or ';' or '+':
                        separator = c;
                        end = true;
                        i++;
                        continue;
                    default:
                        value.Append(c);
                        i++;
                        continue;
                }
            }

            avas.Add(new(oid, value.ToString().Trim()));
            if (separator != '+')
            {
                rdns.Add(avas);
                avas = [];
            }

            if (separator is null)
            {
                break;
            }
        }

        if (avas.Count > 0)
        {
            rdns.Add(avas);
        }

        return new DistinguishedName(rdns);
    }

    /// <summary>Parses text, returning null when it is not a DN.</summary>
    public static DistinguishedName? TryParse(string text)
    {
        try
        {
            return Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when both names have the same RDNs in the same order, or when one is written in the
    /// reverse order of the other (lists written "C=FR,…,CN=host" as some tools print them).
    /// </summary>
    public bool SemanticEquals(DistinguishedName other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (string.Equals(CanonicalKey, other.CanonicalKey, StringComparison.Ordinal))
        {
            return true;
        }

        var reversed = other.Rdns.Reverse().ToArray();
        return string.Equals(CanonicalKey, BuildCanonical(reversed), StringComparison.Ordinal);
    }

    /// <summary>
    /// True when this name is within the directoryName subtree <paramref name="subtree"/> (RFC 5280
    /// §4.2.1.10, §7.1): the subtree's RDNs, from the root, are the first RDNs of this name, compared
    /// as <see cref="SemanticEquals"/> compares them.
    /// </summary>
    internal bool IsWithin(DistinguishedName subtree)
    {
        var k = subtree.Rdns.Count;
        if (k > Rdns.Count)
        {
            return false;
        }

        for (var j = 1; j <= k; j++)
        {
            if (!string.Equals(RdnKey(subtree.Rdns[^j]), RdnKey(Rdns[^j]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string RdnKey(IReadOnlyList<KeyValuePair<string, string>> rdn) =>
        string.Join('+', rdn.Select(a => a.Key + "=" + NormaliseValue(a.Value)).Order(StringComparer.Ordinal));

    /// <summary>The first value of an attribute (by OID), searching from the most specific RDN.</summary>
    public string? Get(string oid) =>
        Rdns.SelectMany(r => r).Where(a => a.Key == oid).Select(a => a.Value).FirstOrDefault();

    /// <summary>All values of an attribute (by OID), most specific RDN first.</summary>
    public IEnumerable<string> GetAll(string oid) =>
        Rdns.SelectMany(r => r).Where(a => a.Key == oid).Select(a => a.Value);

    /// <summary>
    /// RFC 2253 text: most specific RDN first, ',' between RDNs, '+' inside a multi-valued RDN. Inside a
    /// multi-valued RDN (unordered by definition; DER sorts it by encoding) CN comes first, then SN, then
    /// GN, as IGC-Santé writes CPS subjects: "CN=810100000008+SN=DUPONT+GN=MARIE".
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var encoded in Rdns)
        {
            var rdn = encoded.Count > 1 ? encoded.OrderBy(a => DisplayRank(a.Key)).ToArray() : encoded;
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            for (var j = 0; j < rdn.Count; j++)
            {
                if (j > 0)
                {
                    sb.Append('+');
                }

                sb.Append(ShortNames.GetValueOrDefault(rdn[j].Key, rdn[j].Key)).Append('=');
                Escape(sb, rdn[j].Value);
            }
        }

        return sb.ToString();
    }

    private static int DisplayRank(string oid) => oid switch
    {
        "2.5.4.3" => 0,
        "2.5.4.4" => 1,
        "2.5.4.42" => 2,
        _ => 3,
    };

    private static string ReadValue(AsnReader ava)
    {
        var tag = ava.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String:
                case UniversalTagNumber.PrintableString:
                case UniversalTagNumber.IA5String:
                case UniversalTagNumber.BMPString:
                case UniversalTagNumber.VisibleString:
                case UniversalTagNumber.NumericString:
                    return ava.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                case UniversalTagNumber.UniversalString:
                    // UCS-4: AsnReader has no decoder for it (ArgumentOutOfRangeException; fuzzing finding).
                    return ReadContents(ava, Utf32BigEndian);
                case UniversalTagNumber.T61String:
                    // Teletex is in practice Latin-1 in old certificates. AsnReader reads octets under the
                    // OCTET STRING tag only (ArgumentException for this tag; fuzzing finding).
                    return ReadContents(ava, Encoding.Latin1);
            }
        }

        // Any other type: RFC 2253 §2.4 '#' + hex of the DER encoding.
        return "#" + Convert.ToHexString(ava.ReadEncodedValue().Span);
    }

    /// <summary>The contents octets of the next value decoded with <paramref name="encoding"/>; bad octets are an <see cref="AsnContentException"/>.</summary>
    private static string ReadContents(AsnReader ava, Encoding encoding)
    {
        var encoded = ava.ReadEncodedValue();
        AsnDecoder.ReadEncodedValue(encoded.Span, AsnEncodingRules.BER, out var offset, out var length, out _);
        try
        {
            return encoding.GetString(encoded.Span.Slice(offset, length));
        }
        catch (DecoderFallbackException ex)
        {
            throw new AsnContentException("attribute value is not valid in its string type", ex);
        }
    }

    private static void Escape(StringBuilder sb, string value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            var c = value[k];
            var special = c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' or '='
                || (k == 0 && (c == ' ' || (c == '#' && !value.StartsWith('#'))))
                || (k == value.Length - 1 && c == ' ');
            if (special)
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }
    }

    private static string BuildCanonical(IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> rdns)
    {
        var sb = new StringBuilder();
        foreach (var rdn in rdns)
        {
            var parts = rdn.Select(a => a.Key + "=" + NormaliseValue(a.Value)).Order(StringComparer.Ordinal);
            sb.Append(string.Join('+', parts)).Append('\u001f');
        }

        return sb.ToString();
    }

    internal static string NormaliseValue(string value)
    {
        var sb = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Normalize(NormalizationForm.FormC))
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private static bool IsDottedOid(string s) =>
        s.Length > 2 && s.All(c => char.IsAsciiDigit(c) || c == '.') && char.IsAsciiDigit(s[0]) && s.Contains('.', StringComparison.Ordinal);

    private static Dictionary<string, string> BuildOidsByName()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (oid, name) in ShortNames)
        {
            d[name.ToUpperInvariant()] = oid;
        }

        d["COMMONNAME"] = "2.5.4.3";
        d["SURNAME"] = "2.5.4.4";
        d["G"] = "2.5.4.42";
        d["GIVENNAME"] = "2.5.4.42";
        d["T"] = "2.5.4.12";
        d["S"] = "2.5.4.8";
        d["E"] = "1.2.840.113549.1.9.1";
        d["EMAIL"] = "1.2.840.113549.1.9.1";
        d["SERIALNUMBER"] = "2.5.4.5";
        d["ORGANIZATIONALUNITNAME"] = "2.5.4.11";
        d["ORGANIZATIONNAME"] = "2.5.4.10";
        d["COUNTRYNAME"] = "2.5.4.6";
        d["LOCALITYNAME"] = "2.5.4.7";
        d["STATEORPROVINCENAME"] = "2.5.4.8";
        return d;
    }
}
