namespace MssGateway.Policy;

/// <summary>What the trust engine says of an S/MIME signer certificate.</summary>
public enum SignerTrustStatus
{
    /// <summary>Chains to an anchor, valid at signing time, not revoked, usable for signing.</summary>
    Trusted,

    /// <summary>No path to an anchor, or a usage/policy failure, or revocation status unknown past grace.</summary>
    Untrusted,

    /// <summary>The signer certificate or one of its CAs is revoked.</summary>
    Revoked,

    /// <summary>The signer certificate (or a CA) was outside its validity period at signing time.</summary>
    Expired,
}
