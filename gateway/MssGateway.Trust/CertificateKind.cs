namespace MssGateway.Trust;

/// <summary>Who holds a certificate (domain.md "IGC-Santé"): a person, an organisation, or a server.</summary>
public enum CertificateKind
{
    /// <summary>Not recognised as any IGC-Santé profile (no national identifier, no structure).</summary>
    Unknown,

    /// <summary>A professional's CPS card (CN = 8+RPPS or 0+ADELI) or an employee card CPE (CN = 3+FINESS/n).</summary>
    PersonalCps,

    /// <summary>An organisation certificate (ORG AUTH_CLI, ORG SIGN): structure identifier in OU, no host name.</summary>
    Organisation,

    /// <summary>A server certificate (SERV SSL): FQDN in CN and/or DNS names in the SAN.</summary>
    Server,
}
