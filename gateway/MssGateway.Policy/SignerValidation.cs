namespace MssGateway.Policy;

/// <summary>
/// The trust engine's answer for one S/MIME signer (<see cref="ISmimeSignerValidator"/>): its status and,
/// when the certificate maps to an identity, the holder's national identifier (the CN of a CPS
/// subject, domain.md "CPS certificate subjects") and e-mail addresses.
/// </summary>
public sealed record SignerValidation
{
    public required SignerTrustStatus Status { get; init; }

    /// <summary>National identifier with its type prefix (8+RPPS…), or null when the certificate carries none.</summary>
    public string? NationalIdentifier { get; init; }

    /// <summary>E-mail addresses of the certificate (SAN rfc822Name, subject emailAddress), possibly empty.</summary>
    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    /// <summary>Short, log-safe explanation (chain status, revocation source); never a subject or an address.</summary>
    public string? Detail { get; init; }

    public static SignerValidation Trusted(string? nationalIdentifier, IReadOnlyList<string>? emails = null) =>
        new() { Status = SignerTrustStatus.Trusted, NationalIdentifier = nationalIdentifier, EmailAddresses = emails ?? [] };
}
