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

    /// <summary>The signer certificate (or one of its CAs) is revoked now, whatever the signing time says.</summary>
    Revoked,

    /// <summary>The signer certificate is outside its validity period now, and no usable signing time says it was valid when it signed.</summary>
    Expired,

    /// <summary>A valid, trusted signer that is neither the From address nor the holder of the From mailbox.</summary>
    SignerMismatch,

    /// <summary>
    /// A valid, trusted, matching signature that covers only part of the message (nested inside a
    /// multipart or a forwarded message, or a multipart/signed with extra parts): never pass (issue 12 rule 4).
    /// </summary>
    Partial,

    /// <summary>The signature verifies only with MD5/SHA-1 or a key too short (RSA under 2048 bits).</summary>
    WeakAlgorithm,

    /// <summary>The CMS could not be parsed or verified at all (malformed, truncated, unsupported structure).</summary>
    PermError,
}
