using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Trust;

/// <summary>Reads the RFC 5280 §4.2 extensions the trust engine decides on.</summary>
internal static class CertificateExtensions
{
    public const string LegacyCpsKeyAlgorithm = "1.2.250.1.71.2.6.1";

    private static readonly HashSet<string> KnownCritical = new(StringComparer.Ordinal)
    {
        "2.5.29.15", // keyUsage
        "2.5.29.19", // basicConstraints
        "2.5.29.37", // extKeyUsage
        "2.5.29.17", // subjectAltName
        "2.5.29.32", // certificatePolicies
        "2.5.29.30", // nameConstraints (NameConstraintSet)
        "2.5.29.33", // policyMappings (CertificatePolicyTree)
        "2.5.29.36", // policyConstraints (CertificatePolicyTree)
        "2.5.29.54", // inhibitAnyPolicy (CertificatePolicyTree)
        "2.5.29.31", // cRLDistributionPoints
        "2.5.29.35", // authorityKeyIdentifier
        "2.5.29.14", // subjectKeyIdentifier
        "1.3.6.1.5.5.7.1.3", // qcStatements
    };

    /// <summary>HTTP(S) URLs of the CRL distribution points (LDAP points are ignored).</summary>
    public static IReadOnlyList<string> CrlDistributionPoints(BcCertificate cert)
    {
        var value = cert.GetExtensionValue(X509Extensions.CrlDistributionPoints);
        if (value is null)
        {
            return [];
        }

        var urls = new List<string>();
        try
        {
            var points = CrlDistPoint.GetInstance(X509ExtensionUtilities.FromExtensionValue(value));
            foreach (var dp in points.GetDistributionPoints())
            {
                if (dp.DistributionPointName is { Type: DistributionPointName.FullName } name)
                {
                    foreach (var gn in GeneralNames.GetInstance(name.Name).GetNames())
                    {
                        if (gn.TagNo == GeneralName.UniformResourceIdentifier && gn.Name is IAsn1String s && IsHttp(s.GetString()))
                        {
                            urls.Add(s.GetString());
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException)
        {
            return [];
        }

        return urls;
    }

    /// <summary>HTTP URLs of OCSP responders named in the authority information access extension.</summary>
    public static IReadOnlyList<string> OcspResponders(BcCertificate cert)
    {
        var value = cert.GetExtensionValue(X509Extensions.AuthorityInfoAccess);
        if (value is null)
        {
            return [];
        }

        try
        {
            var aia = AuthorityInformationAccess.GetInstance(X509ExtensionUtilities.FromExtensionValue(value));
            return aia.GetAccessDescriptions()
                .Where(d => d.AccessMethod.Equals(AccessDescription.IdADOcsp) && d.AccessLocation.TagNo == GeneralName.UniformResourceIdentifier)
                .Select(d => ((IAsn1String)d.AccessLocation.Name).GetString())
                .Where(IsHttp)
                .ToArray();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException)
        {
            return [];
        }
    }

    /// <summary>Policy OIDs of the certificatePolicies extension.</summary>
    public static IReadOnlyList<string> Policies(BcCertificate cert)
    {
        var value = cert.GetExtensionValue(X509Extensions.CertificatePolicies);
        if (value is null)
        {
            return [];
        }

        try
        {
            var seq = Asn1Sequence.GetInstance(X509ExtensionUtilities.FromExtensionValue(value));
            return seq.Cast<Asn1Encodable>().Select(p => PolicyInformation.GetInstance(p).PolicyIdentifier.Id).ToArray();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException)
        {
            return [];
        }
    }

    /// <summary>Critical extensions this engine does not understand (RFC 5280 §4.2: such a certificate must be refused).</summary>
    public static IEnumerable<string> UnknownCriticalExtensions(X509Certificate2 cert, IReadOnlyCollection<string> accepted) =>
        cert.Extensions.Where(e => e.Critical && e.Oid?.Value is { } oid && !KnownCritical.Contains(oid) && !accepted.Contains(oid)).Select(e => e.Oid!.Value!);

    public static X509BasicConstraintsExtension? BasicConstraints(X509Certificate2 cert) =>
        cert.Extensions["2.5.29.19"] as X509BasicConstraintsExtension;

    public static X509KeyUsageExtension? KeyUsage(X509Certificate2 cert) =>
        cert.Extensions["2.5.29.15"] as X509KeyUsageExtension;

    public static IReadOnlyList<string>? ExtendedKeyUsages(X509Certificate2 cert) =>
        cert.Extensions["2.5.29.37"] is X509EnhancedKeyUsageExtension eku
            ? eku.EnhancedKeyUsages.OfType<System.Security.Cryptography.Oid>().Select(o => o.Value ?? string.Empty).ToArray()
            : null;

    /// <summary>SAN dNSName and rfc822Name entries.</summary>
    public static (IReadOnlyList<string> Dns, IReadOnlyList<string> Emails) SubjectAltNames(BcCertificate cert)
    {
        var dns = new List<string>();
        var emails = new List<string>();
        try
        {
            var names = cert.GetSubjectAlternativeNames();
            if (names is not null)
            {
                foreach (var n in names)
                {
                    if (n.Count >= 2 && n[0] is int tag && n[1] is string v)
                    {
                        if (tag == GeneralName.DnsName)
                        {
                            dns.Add(v);
                        }
                        else if (tag == GeneralName.Rfc822Name)
                        {
                            emails.Add(v);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.Certificates.CertificateParsingException or ArgumentException or InvalidCastException
            or Org.BouncyCastle.Asn1.Asn1ParsingException)
        {
            // An unreadable SAN gives no names; the subject still identifies the holder (BouncyCastle's
            // Asn1ParsingException for an unknown tag inside it: fuzzing finding).
        }

        return (dns, emails);
    }

    private static bool IsHttp(string url) =>
        url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}
