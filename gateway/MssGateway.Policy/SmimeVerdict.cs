namespace MssGateway.Policy;

/// <summary>
/// The S/MIME verdict of one message: the outcome for its outermost signed entity (docs/policy.md
/// "Verdicts"). Labels (see <see cref="SmimeVerdictLabels"/>) are the metric and log values.
/// </summary>
public enum SmimeVerdict
{
    /// <summary>No signed entity was found (or the listener's policy is Off).</summary>
    None,

    /// <summary>The signature verifies, the signer chains to a trust anchor, is valid and not revoked, and matches From.</summary>
    Pass,

    /// <summary>The signature does not verify (tampered content, broken CMS, no signer certificate).</summary>
    Fail,

    /// <summary>The signer certificate does not chain to a trust anchor.</summary>
    Untrusted,

    /// <summary>The signer certificate (or one of its CAs) is revoked.</summary>
    Revoked,

    /// <summary>The signer certificate was outside its validity period at signing time.</summary>
    Expired,

    /// <summary>A valid, trusted signer that is neither the From address nor the holder of the From mailbox.</summary>
    SignerMismatch,
}
