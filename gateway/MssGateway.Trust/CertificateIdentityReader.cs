using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace MssGateway.Trust;

/// <summary>
/// Maps a certificate to its holder (domain.md "IGC-Santé"). The kind comes from the issuing CA
/// (<see cref="HolderKindMap"/>), never from the shape of the CN (issue 12 rule 3): only a certificate
/// of a CPS issuer is read as a card — multi-valued RDN CN=&lt;idNatPS&gt;+SN=&lt;name&gt;+GN=&lt;given name&gt;
/// (any order), title = profession, or an employee card (CPE) CN = 3&lt;FINESS&gt;/&lt;n&gt; with the
/// structure in OU. Any other certificate is an organisation's: a server certificate (SERV SSL) when it
/// is for TLS servers (serverAuth) or has DNS names (then a host-name CN is one of them), else an
/// organisation certificate (ORG AUTH_CLI, ORG SIGN); either has a structure id in OU and no national
/// identifier, even when its CN is shaped like one.
/// </summary>
public static partial class CertificateIdentityReader
{
    private const string Cn = "2.5.4.3";
    private const string Sn = "2.5.4.4";
    private const string Gn = "2.5.4.42";
    private const string Title = "2.5.4.12";
    private const string Ou = "2.5.4.11";
    private const string Email = "1.2.840.113549.1.9.1";

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>The identity as a certificate of an issuer not configured as a CPS issuer gives it (never a personal card).</summary>
    public static CertificateIdentity Read(X509Certificate2 certificate) => Read(certificate, CertificateKind.Organisation);

    /// <summary>The identity of a certificate whose issuing CA gives <paramref name="issuerKind"/> (<see cref="HolderKindMap"/>).</summary>
    public static CertificateIdentity Read(X509Certificate2 certificate, CertificateKind issuerKind)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var bc = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(certificate.RawData);
        return Read(certificate, bc, DistinguishedName.FromX500(certificate.SubjectName), DistinguishedName.FromX500(certificate.IssuerName), null, issuerKind);
    }

    /// <param name="issuerKind">What the issuing CA issues; <see cref="CertificateKind.Unknown"/> before the path is validated (then: no kind, no identifier).</param>
    internal static CertificateIdentity Read(X509Certificate2 certificate, Org.BouncyCastle.X509.X509Certificate bc, DistinguishedName subject, DistinguishedName issuer, string? thumbprint, CertificateKind issuerKind)
    {
        var (sanDns, sanEmails) = CertificateExtensions.SubjectAltNames(bc);

        // The holder's RDN: the multi-valued one that has a CN, else the most specific RDN with a CN.
        var holderRdn = subject.Rdns.FirstOrDefault(r => r.Count > 1 && r.Any(a => a.Key == Cn))
            ?? subject.Rdns.FirstOrDefault(r => r.Any(a => a.Key == Cn));
        string? Attr(IReadOnlyList<KeyValuePair<string, string>>? rdn, string oid) =>
            rdn?.Where(a => a.Key == oid).Select(a => a.Value).FirstOrDefault() ?? subject.Get(oid);

        var cn = Attr(holderRdn, Cn)?.Trim();
        var lastName = Attr(holderRdn, Sn);
        var firstName = Attr(holderRdn, Gn);
        var profession = subject.Get(Title);
        var structure = subject.GetAll(Ou).FirstOrDefault(IsStructureIdentifier) ?? subject.Get(Ou);

        var kind = CertificateKind.Unknown;
        string? nationalId = null;
        var dnsNames = new List<string>();
        switch (issuerKind)
        {
            case CertificateKind.PersonalCps:
                // A CPS issuer's certificate is a card only if its CN is a national identifier.
                if (cn is not null && (PersonIdentifier().IsMatch(cn) || EmployeeIdentifier().IsMatch(cn)))
                {
                    kind = CertificateKind.PersonalCps;
                    nationalId = cn;
                }

                break;
            case CertificateKind.Server:
                kind = CertificateKind.Server;
                break;
            case CertificateKind.Organisation:
                var ekus = CertificateExtensions.ExtendedKeyUsages(certificate);
                kind = sanDns.Count > 0 || (ekus is not null && ekus.Contains(ServerAuth)) ? CertificateKind.Server : CertificateKind.Organisation;
                break;
        }

        if (kind == CertificateKind.Server && cn is not null && HostName().IsMatch(cn))
        {
            dnsNames.Add(cn.ToLowerInvariant());
        }

        foreach (var d in sanDns)
        {
            var lower = d.ToLowerInvariant();
            if (!dnsNames.Contains(lower))
            {
                dnsNames.Add(lower);
            }
        }

        var emails = sanEmails.Concat(subject.GetAll(Email)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return new CertificateIdentity
        {
            Kind = kind,
            NationalIdentifier = nationalId,
            LastName = kind == CertificateKind.PersonalCps ? lastName : null,
            FirstName = kind == CertificateKind.PersonalCps ? firstName : null,
            Profession = kind == CertificateKind.PersonalCps ? profession : null,
            StructureIdentifier = structure,
            DnsNames = dnsNames,
            Emails = emails,
            Subject = subject.ToString(),
            Issuer = issuer.ToString(),
            SerialNumber = certificate.SerialNumber,
            Thumbprint = thumbprint ?? certificate.GetCertHashString(HashAlgorithmName.SHA256),
            NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime()),
            NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
        };
    }

    private static bool IsStructureIdentifier(string ou) => ou.Length >= 2 && ou.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-');

    /// <summary>idNatPS of a person: 8 + RPPS (11 digits) or 0 + ADELI (9 characters), CPS test cards included.</summary>
    [GeneratedRegex("^(8[0-9]{11}|0[0-9A-Za-z]{9})$", RegexOptions.CultureInvariant)]
    private static partial Regex PersonIdentifier();

    /// <summary>CPE: 3 + FINESS (9 characters) + '/' + internal number.</summary>
    [GeneratedRegex("^3[0-9A-Za-z]{9}/[0-9A-Za-z]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmployeeIdentifier();

    [GeneratedRegex("^(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z][A-Za-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex HostName();
}
