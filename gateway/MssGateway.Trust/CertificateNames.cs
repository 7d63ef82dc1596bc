using System.Formats.Asn1;
using System.Text.RegularExpressions;

namespace MssGateway.Trust;

/// <summary>
/// The names a certificate carries, as name constraints see them (RFC 5280 §4.2.1.10, §6.1.3 (b)):
/// its subject DN, the subjectAltName entries of every form, the legacy emailAddress attributes of the
/// subject (which rfc822Name constraints must cover too), and — because MSSanté server certificates
/// carry their host name in the CN, the SAN being optional (domain.md) — the CN when it is a host
/// name, which dNSName constraints must cover as well.
/// </summary>
internal sealed partial class CertificateNames
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string EmailOid = "1.2.840.113549.1.9.1";

    private CertificateNames(DistinguishedName subject, IReadOnlyList<GeneralNameValue> names)
    {
        Subject = subject;
        Names = names;
    }

    public DistinguishedName Subject { get; }

    /// <summary>SAN entries, then subject emailAddress values (rfc822Name), then the CN host name (dNSName).</summary>
    public IReadOnlyList<GeneralNameValue> Names { get; }

    /// <summary>Collects the names of <paramref name="certificate"/>; <paramref name="withCommonNameHost"/> adds a host-name CN (end certificates).</summary>
    /// <exception cref="AsnContentException">The subjectAltName extension is malformed.</exception>
    public static CertificateNames Of(TrustedCertificate certificate, bool withCommonNameHost)
    {
        var names = new List<GeneralNameValue>();
        if (certificate.Certificate.Extensions[SubjectAltNameOid] is { } san)
        {
            var reader = new AsnReader(san.RawData, AsnEncodingRules.DER);
            names.AddRange(GeneralNameValue.ReadSequence(reader));
            reader.ThrowIfNotEmpty();
        }

        foreach (var email in certificate.SubjectName.GetAll(EmailOid))
        {
            names.Add(new GeneralNameValue(GeneralNameValue.Rfc822Name, email, null, null, "1:" + email.ToLowerInvariant()));
        }

        if (withCommonNameHost && certificate.SubjectName.Get("2.5.4.3") is { } cn && HostName().IsMatch(cn))
        {
            names.Add(new GeneralNameValue(GeneralNameValue.DnsName, cn, null, null, "2:" + cn.ToLowerInvariant()));
        }

        return new CertificateNames(certificate.SubjectName, names);
    }

    [GeneratedRegex("^(?=.{1,253}$)(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z][A-Za-z0-9-]{0,62}\\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostName();
}
