namespace MssGateway.Trust;

/// <summary>
/// A revocation answer: the state, the text that explains it (for logs), the bounded detail code of
/// <see cref="CertificateCheckDetails"/>, and until when a good answer may be reused (the CRL's
/// nextUpdate + grace, the OCSP response's nextUpdate): no cached verdict outlives it.
/// </summary>
internal readonly record struct RevocationResult(RevocationState State, string Detail, string Code, DateTimeOffset? ValidUntil = null)
{
    public static RevocationResult Good(string detail, DateTimeOffset? validUntil = null) => new(RevocationState.Good, detail, CertificateCheckDetails.Ok, validUntil);

    public static RevocationResult Revoked(string code, string detail) => new(RevocationState.Revoked, detail, code);

    public static RevocationResult Unknown(string code, string detail) => new(RevocationState.Unknown, detail, code);
}
