namespace MssGateway.Trust;

/// <summary>
/// Section <c>Gateway:Trust:HolderKinds</c>: which CAs issue personal CPS cards, organisation and server
/// certificates (DESIGN.md §3 "Holder kind": from the issuing CA or a certificate policy, never from the
/// shape of the CN). docs/trust.md "Holder kind" lists the defaults.
/// </summary>
public sealed class HolderKindOptions
{
    /// <summary>
    /// Use the built-in rules (<see cref="HolderKindMap.IgcSanteDefaults"/>): the IGC-Santé PERSONNES CAs issue
    /// CPS cards, the ORGANISATIONS CAs organisation and server certificates — production, the IGC-Santé
    /// TEST hierarchy and the development PKI of scripts/dev-pki.sh, each under its own root. Default true.
    /// </summary>
    public bool UseIgcSanteDefaults { get; set; } = true;

    /// <summary>More rules (checked before the defaults); e.g. a private CA of CPS-like cards.</summary>
    public List<IssuerKindRule> Issuers { get; set; } = [];

    /// <summary>
    /// Certificate policy OIDs that make an end certificate a personal CPS card whatever CA issued it,
    /// when the path validates the policy (RFC 5280 §6.1: every CA below the anchor asserts it or anyPolicy). Default none.
    /// </summary>
    public List<string> PersonalPolicyOids { get; set; } = [];
}
