namespace MssGateway.Trust;

/// <summary>
/// ReasonFlags (RFC 5280 §4.2.1.13): which revocation reasons a CRL covers (issuingDistributionPoint
/// onlySomeReasons) or a distribution point serves. Bit n of the BIT STRING is the value 1 &lt;&lt; n, as
/// <see cref="System.Formats.Asn1.AsnReader.ReadNamedBitListValue{TFlagsEnum}"/> reads it.
/// </summary>
[Flags]
internal enum CrlReasons
{
    None = 0,
    Unused = 1,
    KeyCompromise = 1 << 1,
    CaCompromise = 1 << 2,
    AffiliationChanged = 1 << 3,
    Superseded = 1 << 4,
    CessationOfOperation = 1 << 5,
    CertificateHold = 1 << 6,
    PrivilegeWithdrawn = 1 << 7,
    AaCompromise = 1 << 8,

    /// <summary>Every reason (RFC 5280 §6.3.3 "all-reasons").</summary>
    All = KeyCompromise | CaCompromise | AffiliationChanged | Superseded | CessationOfOperation | CertificateHold | PrivilegeWithdrawn | AaCompromise,
}
