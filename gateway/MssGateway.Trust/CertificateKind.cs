namespace MssGateway.Trust;

/// <summary>
/// Who holds a certificate (domain.md "IGC-Santé"): a person, an organisation, or a server. Decided by
/// the issuing CA (<see cref="HolderKindMap"/>, <see cref="HolderKindOptions"/>), never by the shape of the CN.
/// </summary>
public enum CertificateKind
{
    /// <summary>No kind: a certificate not (yet) validated, or one of a CPS issuer whose CN is not a national identifier.</summary>
    Unknown,

    /// <summary>A professional's CPS card (CN = 8+RPPS or 0+ADELI) or an employee card CPE (CN = 3+FINESS/n), issued by a CPS issuer.</summary>
    PersonalCps,

    /// <summary>An organisation certificate (ORG AUTH_CLI, ORG SIGN): structure identifier in OU, no national identifier.</summary>
    Organisation,

    /// <summary>A server certificate (SERV SSL): for TLS servers (serverAuth) or with DNS names; the FQDN in the CN and/or the SAN.</summary>
    Server,
}
