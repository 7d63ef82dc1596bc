namespace MssGateway.Trust;

/// <summary>
/// Who holds a certificate, read from its subject and SAN (domain.md "CPS certificate subjects",
/// "Operator server certificate subjects"). Values are as the certificate carries them.
/// </summary>
public sealed record CertificateIdentity
{
    public required CertificateKind Kind { get; init; }

    /// <summary>idNatPS with its type prefix (8+RPPS, 0+ADELI, 3+FINESS/n for a CPE); null when not a personal card.</summary>
    public string? NationalIdentifier { get; init; }

    /// <summary>SN of the holder.</summary>
    public string? LastName { get; init; }

    /// <summary>GN of the holder.</summary>
    public string? FirstName { get; init; }

    /// <summary>The <c>title</c> attribute (profession).</summary>
    public string? Profession { get; init; }

    /// <summary>The structure identifier (OU), for organisation, server and employee certificates.</summary>
    public string? StructureIdentifier { get; init; }

    /// <summary>Host names: the CN when it is an FQDN, then SAN dNSName entries (lower case, no duplicates).</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>SAN rfc822Name entries and the emailAddress attribute.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];

    /// <summary>Subject DN in RFC 2253 text form (most specific RDN first).</summary>
    public required string Subject { get; init; }

    /// <summary>Issuer DN in RFC 2253 text form.</summary>
    public required string Issuer { get; init; }

    /// <summary>Serial number, upper-case hexadecimal.</summary>
    public required string SerialNumber { get; init; }

    /// <summary>SHA-256 of the certificate, upper-case hexadecimal.</summary>
    public required string Thumbprint { get; init; }

    public DateTimeOffset NotBefore { get; init; }

    public DateTimeOffset NotAfter { get; init; }
}
