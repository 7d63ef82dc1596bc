using System.Formats.Asn1;

namespace MssGateway.Trust;

/// <summary>
/// The permitted_subtrees and excluded_subtrees state of RFC 5280 §6.1 along one path: each CA's
/// nameConstraints (§4.2.1.10) is added in turn (§6.1.4 (g)), and every later certificate's names are
/// checked against all of them (§6.1.3 (b), (c)). Permitted subtrees are kept per CA and per form, a
/// name having to fall within one subtree of each (the intersection of §6.1.4 (g)(1) without computing
/// it); excluded subtrees are one union. Forms interpreted: directoryName, rfc822Name, dNSName,
/// iPAddress, uniformResourceIdentifier. A constraint on another form (otherName, x400Address,
/// ediPartyName, registeredID) refuses any later certificate that carries a name of that form, as
/// RFC 5280 requires when a form cannot be processed; so does a subtree with minimum/maximum.
/// </summary>
internal sealed class NameConstraintSet
{
    private const string ExtensionOid = "2.5.29.30";

    private readonly List<(string Ca, int Form, List<GeneralNameValue> Subtrees)> _permitted = [];
    private readonly List<(string Ca, GeneralNameValue Subtree)> _excluded = [];

    /// <summary>True once some CA of the path stated name constraints.</summary>
    public bool IsEmpty => _permitted.Count == 0 && _excluded.Count == 0;

    /// <summary>Adds the nameConstraints of <paramref name="ca"/>, or returns why they cannot be processed.</summary>
    public string? Add(TrustedCertificate ca)
    {
        if (ca.Certificate.Extensions[ExtensionOid] is not { } ext)
        {
            return null;
        }

        try
        {
            var outer = new AsnReader(ext.RawData, AsnEncodingRules.DER);
            var seq = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var name = ca.CommonName;
            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                var byForm = new Dictionary<int, List<GeneralNameValue>>();
                foreach (var subtree in ReadSubtrees(seq, 0, name))
                {
                    if (!byForm.TryGetValue(subtree.Form, out var list))
                    {
                        byForm[subtree.Form] = list = [];
                    }

                    list.Add(subtree);
                }

                foreach (var (form, list) in byForm)
                {
                    _permitted.Add((name, form, list));
                }
            }

            if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
            {
                foreach (var subtree in ReadSubtrees(seq, 1, name))
                {
                    _excluded.Add((name, subtree));
                }
            }

            seq.ThrowIfNotEmpty();
            return null;
        }
        catch (AsnContentException ex)
        {
            return $"the nameConstraints of '{ca.CommonName}' cannot be read: {ex.Message}";
        }
        catch (UnsupportedConstraintException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Checks the names of a certificate below the constraining CAs: null, or the refusal (detail code, text).</summary>
    public (string Code, string Text)? Check(CertificateNames names, string what)
    {
        if (IsEmpty)
        {
            return null;
        }

        // The subject DN is a directoryName (when not empty).
        var all = new List<GeneralNameValue>(names.Names.Count + 1);
        if (names.Subject.Rdns.Count > 0)
        {
            all.Add(GeneralNameValue.ForDirectory(names.Subject));
        }

        all.AddRange(names.Names);
        foreach (var name in all)
        {
            var shown = Show(name);
            if (!IsInterpreted(name.Form))
            {
                var constraining = _permitted.Where(p => p.Form == name.Form).Select(p => p.Ca)
                    .Concat(_excluded.Where(e => e.Subtree.Form == name.Form).Select(e => e.Ca)).FirstOrDefault();
                if (constraining is not null)
                {
                    return (CertificateCheckDetails.NameFormUnsupported, $"{what} has a {GeneralNameValue.FormName(name.Form)} name and '{constraining}' constrains that form, which this engine does not interpret (RFC 5280 §4.2.1.10: refused)");
                }

                continue;
            }

            foreach (var (ca, form, subtrees) in _permitted)
            {
                if (form != name.Form)
                {
                    continue;
                }

                var verdict = subtrees.Select(s => Matches(name, s)).ToArray();
                if (verdict.Any(v => v == Match.Unsupported))
                {
                    return (CertificateCheckDetails.NameFormUnsupported, $"{what}: the {GeneralNameValue.FormName(name.Form)} name {shown} cannot be compared with the permitted subtrees of '{ca}'");
                }

                if (!verdict.Contains(Match.Within))
                {
                    return (CertificateCheckDetails.NameConstraints, $"{what}: {GeneralNameValue.FormName(name.Form)} {shown} is outside the permitted subtrees of '{ca}' ({string.Join(", ", subtrees.Select(Show))})");
                }
            }

            foreach (var (ca, subtree) in _excluded)
            {
                if (subtree.Form != name.Form)
                {
                    continue;
                }

                var m = Matches(name, subtree, forExclusion: true);
                if (m == Match.Unsupported)
                {
                    return (CertificateCheckDetails.NameFormUnsupported, $"{what}: the {GeneralNameValue.FormName(name.Form)} name {shown} cannot be compared with the excluded subtree {Show(subtree)} of '{ca}'");
                }

                if (m == Match.Within)
                {
                    return (CertificateCheckDetails.NameConstraints, $"{what}: {GeneralNameValue.FormName(name.Form)} {shown} is in the excluded subtree {Show(subtree)} of '{ca}'");
                }
            }
        }

        return null;
    }

    private static bool IsInterpreted(int form) => form is GeneralNameValue.DirectoryName or GeneralNameValue.Rfc822Name or GeneralNameValue.DnsName
        or GeneralNameValue.IpAddress or GeneralNameValue.Uri;

    private static IEnumerable<GeneralNameValue> ReadSubtrees(AsnReader seq, int tag, string ca)
    {
        var subtrees = seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, tag, isConstructed: true));
        var list = new List<GeneralNameValue>();
        while (subtrees.HasData)
        {
            var subtree = subtrees.ReadSequence();
            var name = GeneralNameValue.Read(subtree);
            if (subtree.HasData)
            {
                // minimum is DEFAULT 0 and DER omits it; a minimum or maximum present is a form RFC 5280 forbids.
                throw new UnsupportedConstraintException($"a name subtree of '{ca}' has a minimum or maximum (RFC 5280 §4.2.1.10: must be absent): not processed, refused");
            }

            if (name.Form == GeneralNameValue.IpAddress && name.Octets!.Length is not (8 or 32))
            {
                throw new UnsupportedConstraintException($"an iPAddress subtree of '{ca}' is not an address and mask of 8 or 32 octets: refused");
            }

            list.Add(name);
        }

        return list;
    }

    private enum Match
    {
        Outside,
        Within,
        Unsupported,
    }

    private static Match Matches(GeneralNameValue name, GeneralNameValue subtree, bool forExclusion = false) => name.Form switch
    {
        GeneralNameValue.DirectoryName => name.Directory!.IsWithin(subtree.Directory!) ? Match.Within : Match.Outside,
        GeneralNameValue.Rfc822Name => MatchEmail(name.Text!, subtree.Text!),
        GeneralNameValue.DnsName => MatchDns(name.Text!, subtree.Text!, forExclusion),
        GeneralNameValue.IpAddress => MatchIp(name.Octets!, subtree.Octets!),
        GeneralNameValue.Uri => MatchUri(name.Text!, subtree.Text!),
        _ => Match.Unsupported,
    };

    private static Match MatchEmail(string mailbox, string constraint)
    {
        var at = mailbox.LastIndexOf('@');
        if (at <= 0)
        {
            return Match.Unsupported;
        }

        if (constraint.Contains('@', StringComparison.Ordinal))
        {
            return string.Equals(mailbox, constraint, StringComparison.OrdinalIgnoreCase) ? Match.Within : Match.Outside;
        }

        var host = mailbox[(at + 1)..];
        return constraint.StartsWith('.')
            ? host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase) ? Match.Within : Match.Outside
            : string.Equals(host, constraint, StringComparison.OrdinalIgnoreCase) ? Match.Within : Match.Outside;
    }

    /// <summary>dNSName: the name is the constraint or below it (label boundary); ".x" means below x only.</summary>
    private static Match MatchDns(string name, string constraint, bool forExclusion)
    {
        var n = name.TrimEnd('.').ToLowerInvariant();
        var c = constraint.TrimEnd('.').ToLowerInvariant();
        if (c.Length == 0)
        {
            return Match.Within;
        }

        if (n.StartsWith("*.", StringComparison.Ordinal))
        {
            // A wildcard covers every host one label below its base: within a permitted subtree only when the
            // base itself is; excluded when it is in the excluded subtree or covers a host of it.
            var wildcardBase = n[2..];
            if (Below(wildcardBase, c, includeSelf: !c.StartsWith('.')))
            {
                return Match.Within;
            }

            return forExclusion && (c.TrimStart('.').EndsWith("." + wildcardBase, StringComparison.Ordinal) || (c.StartsWith('.') && c[1..] == wildcardBase))
                ? Match.Within
                : Match.Outside;
        }

        return Below(n, c, includeSelf: !c.StartsWith('.')) ? Match.Within : Match.Outside;
    }

    private static bool Below(string name, string constraint, bool includeSelf)
    {
        if (constraint.StartsWith('.'))
        {
            return name.EndsWith(constraint, StringComparison.Ordinal);
        }

        return (includeSelf && name == constraint) || name.EndsWith("." + constraint, StringComparison.Ordinal);
    }

    private static Match MatchIp(byte[] address, byte[] subtree)
    {
        if (subtree.Length != address.Length * 2)
        {
            return address.Length is 4 or 16 ? Match.Outside : Match.Unsupported; // IPv4 against IPv6 subtree, or the reverse
        }

        for (var i = 0; i < address.Length; i++)
        {
            var mask = subtree[address.Length + i];
            if ((address[i] & mask) != (subtree[i] & mask))
            {
                return Match.Outside;
            }
        }

        return Match.Within;
    }

    private static Match MatchUri(string uri, string constraint)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || string.IsNullOrEmpty(u.Host))
        {
            return Match.Unsupported; // a URI without a host cannot be compared: refused under URI constraints
        }

        var host = u.IdnHost.TrimEnd('.');
        return constraint.StartsWith('.')
            ? host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase) ? Match.Within : Match.Outside
            : string.Equals(host, constraint, StringComparison.OrdinalIgnoreCase) ? Match.Within : Match.Outside;
    }

    private static string Show(GeneralNameValue name) => name.Form switch
    {
        GeneralNameValue.DirectoryName => "'" + name.Directory + "'",
        GeneralNameValue.IpAddress => Convert.ToHexString(name.Octets!),
        // Mailboxes are addresses: the log shows their domain only.
        GeneralNameValue.Rfc822Name => "'" + (name.Text!.Contains('@', StringComparison.Ordinal) ? "…@" + name.Text![(name.Text!.LastIndexOf('@') + 1)..] : name.Text) + "'",
        GeneralNameValue.DnsName or GeneralNameValue.Uri => "'" + name.Text + "'",
        _ => GeneralNameValue.FormName(name.Form),
    };

    /// <summary>A constraint this engine cannot process: the certificate is refused with this text.</summary>
    private sealed class UnsupportedConstraintException(string message) : Exception(message);
}
