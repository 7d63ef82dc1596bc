namespace MssGateway.Trust;

/// <summary>
/// Decides the holder kind of a validated path (DESIGN.md §3 "Holder kind", issue 12 rule 3): a card is
/// personal only if its issuing CA is configured as a CPS issuer (<see cref="HolderKindOptions"/>), or
/// if the path validates a configured CPS policy OID. Anything else is an organisation or server
/// certificate, with no national identifier, whatever its CN looks like.
/// </summary>
public sealed class HolderKindMap
{
    // By the issuer's canonical key (RDNs in either order, as SemanticEquals compares): a handshake costs one lookup.
    private readonly Dictionary<string, List<(DistinguishedName? Anchor, CertificateKind Kind, string Text)>> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _personalPolicies;

    public HolderKindMap(HolderKindOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var rule in options.Issuers.Concat(options.UseIgcSanteDefaults ? IgcSanteDefaults : []))
        {
            var issuer = DistinguishedName.Parse(rule.Issuer);
            var anchor = string.IsNullOrWhiteSpace(rule.Anchor) ? null : DistinguishedName.Parse(rule.Anchor);
            foreach (var key in new[] { issuer.CanonicalKey, issuer.ReversedCanonicalKey }.Distinct(StringComparer.Ordinal))
            {
                if (!_rules.TryGetValue(key, out var list))
                {
                    _rules[key] = list = [];
                }

                list.Add((anchor, rule.Kind, rule.Issuer));
            }
        }

        _personalPolicies = options.PersonalPolicyOids.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The built-in rules: for each of ELEMENTAIRE, STANDARD and FORT, the PERSONNES CA → <c>PersonalCps</c> and
    /// the ORGANISATIONS CA → <c>Organisation</c>, each under its RACINE of the same level; for the
    /// production hierarchy (OU=IGC-SANTE), the test hierarchy (OU=IGC-SANTE TEST, names prefixed "TEST ")
    /// and the development PKI (OU=IGC-SANTE DEV, O=ASIP-SANTE DEV, names prefixed "DEV ").
    /// </summary>
    public static IReadOnlyList<IssuerKindRule> IgcSanteDefaults { get; } = BuildDefaults();

    /// <summary>
    /// The kind the issuer gives: <paramref name="path"/> is the validated path (end certificate first,
    /// anchor last), <paramref name="leafPolicies"/> the policies the path validates for the end certificate.
    /// Null when no rule names the issuer (then: organisation or server, never personal).
    /// </summary>
    internal (CertificateKind? Kind, string Why) Resolve(IReadOnlyList<TrustedCertificate> path, IReadOnlySet<string> leafPolicies)
    {
        if (leafPolicies.FirstOrDefault(_personalPolicies.Contains) is { } oid)
        {
            return (CertificateKind.PersonalCps, "CPS certificate policy " + oid);
        }

        var issuer = path.Count > 1 ? path[1].SubjectName : path[0].IssuerName;
        var anchor = path[^1].SubjectName;
        if (_rules.TryGetValue(issuer.CanonicalKey, out var rules))
        {
            foreach (var (ruleAnchor, kind, text) in rules)
            {
                if (ruleAnchor is null || anchor.SemanticEquals(ruleAnchor))
                {
                    return (kind, "issued by " + text);
                }
            }
        }

        return (null, "issuer not configured as a CPS, organisation or server CA");
    }

    private static List<IssuerKindRule> BuildDefaults()
    {
        var rules = new List<IssuerKindRule>();
        foreach (var (prefix, ou, o) in new[] { (string.Empty, "IGC-SANTE", "ASIP-SANTE"), ("TEST ", "IGC-SANTE TEST", "ASIP-SANTE"), ("DEV ", "IGC-SANTE DEV", "ASIP-SANTE DEV") })
        {
            foreach (var level in new[] { "ELEMENTAIRE", "STANDARD", "FORT" })
            {
                var anchor = $"CN={prefix}AC RACINE IGC-SANTE {level},OU={ou},OU=0002 187512751,O={o},C=FR";
                rules.Add(new IssuerKindRule { Issuer = $"CN={prefix}AC IGC-SANTE {level} PERSONNES,OU={ou},OU=0002 187512751,O={o},C=FR", Anchor = anchor, Kind = CertificateKind.PersonalCps });
                rules.Add(new IssuerKindRule { Issuer = $"CN={prefix}AC IGC-SANTE {level} ORGANISATIONS,OU={ou},OU=0002 187512751,O={o},C=FR", Anchor = anchor, Kind = CertificateKind.Organisation });
            }
        }

        return rules;
    }
}
