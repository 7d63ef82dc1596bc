namespace MssGateway.Trust;

/// <summary>Revocation status of one certificate of a path.</summary>
internal enum RevocationState
{
    Good,
    Revoked,
    Unknown,
}
