namespace MssGateway.Policy;

/// <summary>
/// Why the end-of-data policy refuses a message (DESIGN.md §3 "Verdicts and replies", docs/policy.md), in
/// the policy's own vocabulary. The host maps each value to its SMTP reply (GatewayVerdicts); the stable
/// labels (<see cref="PolicyLabels"/>) are the <c>reason</c> of <c>mssgw_policy_refusals_total</c>.
/// </summary>
public enum PolicyRefusal
{
    /// <summary>Decoded attachments over <see cref="MessagePolicyOptions.MaxAttachmentBytes"/>.</summary>
    AttachmentsTooBig,

    /// <summary>MIME nesting, part count or header block over their limits (a MIME bomb).</summary>
    MimeTooComplex,

    /// <summary>
    /// The MIME structure could not be parsed, or is one a client could read differently from this gateway
    /// (issue 12 rule 5: duplicate Content-Type/-Transfer-Encoding/-Disposition, an encoded message/* or multipart/*).
    /// </summary>
    MimeMalformed,

    /// <summary>Require: the signature does not verify.</summary>
    SmimeInvalid,

    /// <summary>Require: signer untrusted, revoked or expired.</summary>
    SmimeUntrusted,

    /// <summary>Require: the signature covers only part of the message (nested, or multipart/signed with extra parts).</summary>
    SmimePartial,

    /// <summary>Require: the signature uses MD5/SHA-1 or a key too short.</summary>
    SmimeWeakAlgorithm,

    /// <summary>Require: a trusted signer that is not the From address nor the holder of the From mailbox.</summary>
    SmimeSignerMismatch,

    /// <summary>Require: the message carries no S/MIME signature.</summary>
    SmimeMissing,

    /// <summary>
    /// Sender binding (issue 12 rule 1): a From or Sender mailbox that is not the certificate holder's (CPS)
    /// or not in a domain bound to the peer's certificate; or not exactly one From field.
    /// </summary>
    HeaderFromNotBound,

    /// <summary>The reverse path is not bound to the certificate (at MAIL FROM under Tag, or the null sender of a card on a message that is not a report).</summary>
    SenderNotBound,
}
