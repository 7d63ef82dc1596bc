using System.Collections.Concurrent;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace MssGateway.Trust;

/// <summary>
/// One parsed and checked CRL (RFC 5280 §5): issuer, dates, cRLNumber, whether it is a delta CRL
/// (deltaCRLIndicator, §5.2.4) and of which base, its scope (issuingDistributionPoint, §5.2.5), and
/// its revoked serials indexed for a constant-time lookup. Everything is parsed and checked once,
/// when the CRL is loaded (<see cref="Parse"/>): a CRL or entry with an unknown critical extension, or
/// an indirect CRL, is refused there, never on the handshake path. Signature checks are memoised per CA.
/// </summary>
internal sealed class CrlEntry
{
    /// <summary>CRL extensions this engine knows (the critical ones it processes: cRLNumber, deltaCRLIndicator, issuingDistributionPoint).</summary>
    private static readonly HashSet<string> KnownExtensions = new(StringComparer.Ordinal)
    {
        "2.5.29.35", // authorityKeyIdentifier (the CA is found by name and its key verifies the signature)
        "2.5.29.18", // issuerAltName
        "2.5.29.20", // cRLNumber
        "2.5.29.27", // deltaCRLIndicator
        "2.5.29.28", // issuingDistributionPoint
        "2.5.29.46", // freshestCRL (never critical, RFC 5280 §5.2.6)
        "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
        "2.5.29.60", // expiredCertsOnCRL
    };

    private const string ReasonCodeOid = "2.5.29.21";

    /// <summary>Reason of an entry whose reasonCode does not decode: outside RFC 5280's codes, so it reads "unknown" and is never removeFromCRL.</summary>
    private const int UnreadableReason = int.MaxValue;
    private const string InvalidityDateOid = "2.5.29.24";
    private const string HoldInstructionOid = "2.5.29.23";
    private const string CertificateIssuerOid = "2.5.29.29";

    /// <summary>removeFromCRL (RFC 5280 §5.3.1): in a delta CRL, the serial is no longer revoked (hold released).</summary>
    public const int RemoveFromCrl = 8;

    private readonly ConcurrentDictionary<string, bool> _verifiedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<BcBigInteger, RevokedSerial> _revoked;

    private CrlEntry(byte[] der, X509Crl crl, string location, System.Numerics.BigInteger? number, System.Numerics.BigInteger? baseNumber, CrlScope scope, Dictionary<BcBigInteger, RevokedSerial> revoked)
    {
        Der = der;
        Crl = crl;
        Location = location;
        Issuer = DistinguishedName.FromDer(crl.CertificateList.TbsCertList.Issuer.GetEncoded());
        ThisUpdate = new DateTimeOffset(DateTime.SpecifyKind(crl.ThisUpdate, DateTimeKind.Utc));
        NextUpdate = crl.NextUpdate is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : null;
        Digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der));
        CrlNumber = number;
        BaseCrlNumber = baseNumber;
        Scope = scope;
        _revoked = revoked;
    }

    public byte[] Der { get; }

    public X509Crl Crl { get; }

    public string Location { get; }

    public DistinguishedName Issuer { get; }

    public string IssuerCa => Issuer.Get("2.5.4.3") ?? Issuer.ToString();

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public string Digest { get; }

    /// <summary>cRLNumber, when present.</summary>
    public System.Numerics.BigInteger? CrlNumber { get; }

    /// <summary>BaseCRLNumber of the deltaCRLIndicator: set only on a delta CRL.</summary>
    public System.Numerics.BigInteger? BaseCrlNumber { get; }

    public bool IsDelta => BaseCrlNumber is not null;

    public CrlScope Scope { get; }

    public int RevokedCount => _revoked.Count;

    /// <summary>"delta CRL" or "CRL", for log texts.</summary>
    public string KindText => IsDelta ? "delta CRL" : "CRL";

    /// <summary>Parses and checks a CRL (PEM or DER): the entry, or why it is refused.</summary>
    public static (CrlEntry? Entry, CrlRefusal? Refusal) Parse(byte[] data, string location)
    {
        X509Crl? crl;
        try
        {
            crl = new X509CrlParser().ReadCrl(data);
        }
        catch (Exception ex) when (IsParseError(ex))
        {
            return (null, new CrlRefusal(CrlRefusalCause.Unreadable, "not a CRL: " + ex.Message));
        }

        if (crl is null)
        {
            return (null, new CrlRefusal(CrlRefusalCause.Unreadable, "not a CRL"));
        }

        try
        {
            return Check(crl, location);
        }
        catch (Exception ex) when (IsParseError(ex))
        {
            return (null, new CrlRefusal(CrlRefusalCause.Malformed, "unreadable CRL extension: " + ex.Message));
        }
    }

    /// <summary>The revocation of <paramref name="serial"/> on this CRL, if listed.</summary>
    public RevokedSerial? Find(BcBigInteger serial) => _revoked.TryGetValue(serial, out var r) ? r : null;

    /// <summary>True when the CRL's signature verifies with the CA's key (memoised per CA).</summary>
    public bool IsSignedBy(TrustedCertificate ca) =>
        Issuer.CanonicalKey == ca.SubjectKey && _verifiedBy.GetOrAdd(ca.Thumbprint, _ => Verify(ca));

    /// <summary>True when the CRL is past nextUpdate + <paramref name="grace"/> at <paramref name="now"/> (then it no longer counts).</summary>
    public bool IsStale(DateTimeOffset now, TimeSpan grace) => NextUpdate is { } next && now > next + grace;

    private static (CrlEntry? Entry, CrlRefusal? Refusal) Check(X509Crl crl, string location)
    {
        var tbs = crl.CertificateList.TbsCertList;
        foreach (var oid in crl.GetCriticalExtensionOids() ?? new HashSet<string>())
        {
            if (!KnownExtensions.Contains(oid))
            {
                return (null, new CrlRefusal(CrlRefusalCause.CriticalExtension, $"unrecognised critical CRL extension {oid} (RFC 5280 §5.2: such a CRL is not used)"));
            }
        }

        var number = Integer(crl, X509Extensions.CrlNumber);
        var baseNumber = Integer(crl, X509Extensions.DeltaCrlIndicator);
        if (baseNumber is not null && number is null)
        {
            return (null, new CrlRefusal(CrlRefusalCause.Malformed, "delta CRL without cRLNumber (RFC 5280 §5.2.4)"));
        }

        var scope = CrlScope.Complete;
        if (crl.GetExtensionValue(X509Extensions.IssuingDistributionPoint) is { } idp)
        {
            scope = CrlScope.Read(idp.GetOctets(), tbs.Issuer.GetEncoded());
            if (scope.Indirect)
            {
                return (null, new CrlRefusal(CrlRefusalCause.Indirect, "indirect CRL (issuingDistributionPoint indirectCRL): not supported, only a CA's own CRLs are used"));
            }
        }

        var revoked = new Dictionary<BcBigInteger, RevokedSerial>();
        foreach (var item in tbs.GetRevokedCertificateEnumeration())
        {
            var reason = -1;
            if (item.Extensions is { } exts)
            {
                foreach (var oid in exts.GetExtensionOids())
                {
                    var ext = exts.GetExtension(oid);
                    switch (oid.Id)
                    {
                        case ReasonCodeOid:
                            reason = ReadReasonCode(ext.Value.GetOctets());
                            break;
                        case InvalidityDateOid or HoldInstructionOid:
                            break;
                        case CertificateIssuerOid:
                            return (null, new CrlRefusal(CrlRefusalCause.Malformed, "CRL entry with certificateIssuer on a CRL that is not indirect (RFC 5280 §5.3.3)"));
                        default:
                            if (ext.IsCritical)
                            {
                                return (null, new CrlRefusal(CrlRefusalCause.CriticalEntryExtension, $"entry of serial {item.UserCertificate.Value.ToString(16)} has the unrecognised critical extension {oid.Id} (RFC 5280 §5.3: such a CRL is not used)"));
                            }

                            break;
                    }
                }
            }

            var date = new DateTimeOffset(DateTime.SpecifyKind(item.RevocationDate.ToDateTime(), DateTimeKind.Utc));
            revoked.TryAdd(item.UserCertificate.Value, new RevokedSerial(date, reason));
        }

        var der = crl.GetEncoded();
        return (new CrlEntry(der, crl, location, number, baseNumber, scope, revoked), null);
    }

    /// <summary>
    /// The entry's reasonCode (non-critical): one that does not decode (a BOOLEAN where the ENUMERATED
    /// belongs, truncated DER — fuzzing finding) is "unknown", and the entry still revokes: refusing the
    /// whole CRL for it would leave every certificate of that CA without a revocation status.
    /// </summary>
    private static int ReadReasonCode(byte[] value)
    {
        try
        {
            return DerEnumerated.GetInstance(Asn1Object.FromByteArray(value)).IntValueExact;
        }
        catch (Exception ex) when (IsParseError(ex) || ex is ArithmeticException)
        {
            return UnreadableReason;
        }
    }

    private static System.Numerics.BigInteger? Integer(X509Crl crl, DerObjectIdentifier oid)
    {
        if (crl.GetExtensionValue(oid) is not { } value)
        {
            return null;
        }

        var integer = DerInteger.GetInstance(Asn1Object.FromByteArray(value.GetOctets()));
        return new System.Numerics.BigInteger(integer.Value.ToByteArray(), isUnsigned: false, isBigEndian: true);
    }

    private static bool IsParseError(Exception ex) => ex is Org.BouncyCastle.Security.Certificates.CrlException or IOException or ArgumentException
        or InvalidCastException or Asn1Exception or System.Formats.Asn1.AsnContentException or InvalidOperationException or OverflowException;

    private bool Verify(TrustedCertificate ca)
    {
        if (TrustedCertificate.IsWeakAlgorithm(Crl.SigAlgOid))
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Crl.GetSignature();
        }
        catch (IOException)
        {
            // A signature BIT STRING with unused bits is no signature (BouncyCastle throws; fuzzing finding).
            return false;
        }

        if (ca.VerifyWithPlatform(Crl.SigAlgOid, Crl.GetTbsCertList(), signature) is { } fast)
        {
            return fast;
        }

        var key = ca.PublicKey;
        if (key is null)
        {
            return false;
        }

        try
        {
            return Crl.IsSignatureValid(key);
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException
            or Org.BouncyCastle.Security.Certificates.CrlException or InvalidCastException or ArgumentException
            or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return false;
        }
    }

    /// <summary>One revoked serial: when, and the reasonCode (-1 when the entry has none).</summary>
    internal readonly record struct RevokedSerial(DateTimeOffset Date, int Reason);
}
