namespace MssGateway.Trust;

/// <summary>A revocation answer with the text that explains it (for logs).</summary>
internal readonly record struct RevocationResult(RevocationState State, string Detail)
{
    public static RevocationResult Good(string detail) => new(RevocationState.Good, detail);

    public static RevocationResult Revoked(string detail) => new(RevocationState.Revoked, detail);

    public static RevocationResult Unknown(string detail) => new(RevocationState.Unknown, detail);
}
