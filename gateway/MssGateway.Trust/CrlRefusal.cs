namespace MssGateway.Trust;

/// <summary>Why a CRL was not taken (RFC 5280 §5, §6.3.3); <see cref="Label"/> is the bounded <c>cause</c> of <c>mssgw_crl_refused_total</c>.</summary>
internal enum CrlRefusalCause
{
    /// <summary>Not a CRL (bad DER/PEM).</summary>
    Unreadable,

    /// <summary>The signature does not verify with the key of the CA named as issuer (or uses MD5/SHA-1).</summary>
    Signature,

    /// <summary>A critical CRL extension this engine does not process (RFC 5280 §5.2).</summary>
    CriticalExtension,

    /// <summary>A critical CRL entry extension this engine does not process (RFC 5280 §5.3).</summary>
    CriticalEntryExtension,

    /// <summary>An indirect CRL (issuingDistributionPoint indirectCRL): not supported.</summary>
    Indirect,

    /// <summary>A structure RFC 5280 forbids (delta without cRLNumber, entry with certificateIssuer on a direct CRL…).</summary>
    Malformed,

    /// <summary>Older (thisUpdate or cRLNumber) than the CRL of the same kind already in use from the same source: no rollback.</summary>
    Older,
}

/// <summary>A CRL refusal with its detail for the log.</summary>
internal sealed record CrlRefusal(CrlRefusalCause Cause, string Detail)
{
    public string Label => Cause switch
    {
        CrlRefusalCause.Unreadable => "unreadable",
        CrlRefusalCause.Signature => "signature",
        CrlRefusalCause.CriticalExtension => "critical_extension",
        CrlRefusalCause.CriticalEntryExtension => "critical_entry_extension",
        CrlRefusalCause.Indirect => "indirect",
        CrlRefusalCause.Malformed => "malformed",
        _ => "older",
    };

    /// <summary>Every value of <see cref="Label"/>, for documentation tests.</summary>
    public static IReadOnlyList<string> Labels { get; } = Enum.GetValues<CrlRefusalCause>().Select(c => new CrlRefusal(c, string.Empty).Label).ToArray();

    public override string ToString() => Label + ": " + Detail;
}
