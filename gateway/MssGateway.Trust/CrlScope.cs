using System.Formats.Asn1;

namespace MssGateway.Trust;

/// <summary>
/// What a CRL covers, from its issuingDistributionPoint extension (RFC 5280 §5.2.5): the distribution
/// point it was issued for, user or CA certificates only, some reasons only. A CRL without the extension
/// covers every certificate of its issuer for every reason. <see cref="Covers"/> is RFC 5280 §6.3.3 (b)
/// and (d) for one certificate: the reasons the CRL can answer for it, <see cref="CrlReasons.None"/>
/// when it does not apply. Indirect CRLs are refused when the CRL is loaded.
/// </summary>
internal sealed class CrlScope
{
    public static CrlScope Complete { get; } = new(null, false, false, false, false, CrlReasons.All, string.Empty);

    private CrlScope(IReadOnlySet<string>? names, bool onlyUser, bool onlyCa, bool onlyAttribute, bool indirect, CrlReasons reasons, string key)
    {
        Names = names;
        OnlyUserCertificates = onlyUser;
        OnlyCaCertificates = onlyCa;
        OnlyAttributeCertificates = onlyAttribute;
        Indirect = indirect;
        Reasons = reasons;
        Key = key;
    }

    /// <summary>Keys of the distribution point names this CRL was issued for; null when it names none.</summary>
    public IReadOnlySet<string>? Names { get; }

    public bool OnlyUserCertificates { get; }

    public bool OnlyCaCertificates { get; }

    public bool OnlyAttributeCertificates { get; }

    public bool Indirect { get; }

    /// <summary>onlySomeReasons, or every reason.</summary>
    public CrlReasons Reasons { get; }

    /// <summary>Equal for CRLs of the same scope (a delta CRL applies only to a base of the same scope, RFC 5280 §5.2.4).</summary>
    public string Key { get; }

    /// <summary>Reads the issuingDistributionPoint extension value.</summary>
    /// <exception cref="AsnContentException">Malformed extension.</exception>
    public static CrlScope Read(ReadOnlyMemory<byte> extensionValue, ReadOnlyMemory<byte> crlIssuerDer)
    {
        var outer = new AsnReader(extensionValue, AsnEncodingRules.DER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        IReadOnlySet<string>? names = null;
        bool onlyUser = false, onlyCa = false, onlyAttribute = false, indirect = false;
        var reasons = CrlReasons.All;
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            names = CrlDistributionPoint.ReadName(seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)), crlIssuerDer).Names;
        }

        onlyUser = ReadFlag(seq, 1);
        onlyCa = ReadFlag(seq, 2);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 3)))
        {
            reasons = CrlDistributionPoint.ReadReasons(seq, new Asn1Tag(TagClass.ContextSpecific, 3));
        }

        indirect = ReadFlag(seq, 4);
        onlyAttribute = ReadFlag(seq, 5);
        seq.ThrowIfNotEmpty();
        if ((onlyUser ? 1 : 0) + (onlyCa ? 1 : 0) + (onlyAttribute ? 1 : 0) > 1)
        {
            throw new AsnContentException("issuingDistributionPoint asserts more than one of onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts (RFC 5280 §5.2.5)");
        }

        return new CrlScope(names, onlyUser, onlyCa, onlyAttribute, indirect, reasons, Convert.ToHexString(extensionValue.Span));
    }

    /// <summary>
    /// The reasons this CRL answers for <paramref name="certificate"/> (RFC 5280 §6.3.3 (b)(2), (d)), or
    /// <see cref="CrlReasons.None"/> with the reason it does not apply.
    /// </summary>
    public (CrlReasons Reasons, string? Why) Covers(TrustedCertificate certificate)
    {
        if (OnlyAttributeCertificates)
        {
            return (CrlReasons.None, "the CRL covers attribute certificates only");
        }

        if (OnlyUserCertificates && certificate.IsCa)
        {
            return (CrlReasons.None, "the CRL covers end-entity certificates only (onlyContainsUserCerts) and this is a CA certificate");
        }

        if (OnlyCaCertificates && !certificate.IsCa)
        {
            return (CrlReasons.None, "the CRL covers CA certificates only (onlyContainsCACerts) and this is an end-entity certificate");
        }

        if (Names is null)
        {
            return (Reasons, null);
        }

        // A CRL issued for a distribution point covers only certificates that name that point.
        foreach (var dp in certificate.DistributionPoints)
        {
            if (!dp.HasCrlIssuer && dp.Names is { } dpNames && dpNames.Overlaps(Names))
            {
                return (Reasons & dp.Reasons, null);
            }
        }

        return (CrlReasons.None, "the CRL was issued for another distribution point than the certificate's");
    }

    private static bool ReadFlag(AsnReader seq, int tagNumber)
    {
        var tag = new Asn1Tag(TagClass.ContextSpecific, tagNumber);
        return seq.HasData && seq.PeekTag().HasSameClassAndValue(tag) && seq.ReadBoolean(tag);
    }
}
