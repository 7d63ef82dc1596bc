using MssGateway.Smtp;

namespace MssGateway.Policy;

/// <summary>
/// The refusals of the end-of-data policy (DESIGN.md §3 "Verdicts and replies"). Codes: RFC 3463
/// X.3.4 (too big for the system), X.6.0 (media error: content the gateway will not carry), X.7.x
/// (security). docs/policy.md lists each one.
/// </summary>
public static class PolicyReplies
{
    /// <summary>Decoded attachments over <see cref="MessagePolicyOptions.MaxAttachmentBytes"/>.</summary>
    public static SmtpReply AttachmentsTooBig { get; } = new(552, "5.3.4", "attachments_too_big", "Attachments exceed the maximum total size");

    /// <summary>MIME nesting, part count or header block over their limits (a MIME bomb).</summary>
    public static SmtpReply MimeTooComplex { get; } = new(554, "5.6.0", "mime_too_complex", "Message structure exceeds the MIME nesting, part or header limits");

    /// <summary>
    /// The MIME structure could not be parsed, or is one a client could read differently from this gateway
    /// (issue 12 rule 5: duplicate Content-Type/-Transfer-Encoding/-Disposition, an encoded message/* or
    /// multipart/*). 550 5.6.0 as DESIGN.md §3 has it.
    /// </summary>
    public static SmtpReply MimeMalformed { get; } = new(550, "5.6.0", "mime_malformed", "Message structure is malformed or ambiguous");

    /// <summary>Require: the signature does not verify.</summary>
    public static SmtpReply SmimeInvalid { get; } = new(550, "5.7.7", "smime_invalid", "S/MIME signature is not valid");

    /// <summary>Require: signer untrusted, revoked or expired at signing time.</summary>
    public static SmtpReply SmimeUntrusted { get; } = new(550, "5.7.5", "smime_untrusted", "S/MIME signer certificate is not trusted");

    /// <summary>Require: the signature covers only part of the message (nested, or multipart/signed with extra parts).</summary>
    public static SmtpReply SmimePartial { get; } = new(550, "5.7.1", "smime_partial", "S/MIME signature does not cover the whole message");

    /// <summary>Require: the signature uses MD5/SHA-1 or a key too short (RFC 3463 X.7.5 cryptographic failure).</summary>
    public static SmtpReply SmimeWeakAlgorithm { get; } = new(550, "5.7.5", "smime_weak_algorithm", "S/MIME signature uses a weak algorithm or key");

    /// <summary>Trusted signer that is not the From address nor the holder of the From mailbox (Require).</summary>
    public static SmtpReply SmimeSignerMismatch { get; } = new(550, "5.7.1", "smime_signer_mismatch", "S/MIME signer does not match the From address");

    /// <summary>Require: the message carries no S/MIME signature.</summary>
    public static SmtpReply SmimeMissing { get; } = new(550, "5.7.1", "smime_missing", "An S/MIME signature is required on this service");

    /// <summary>
    /// Sender binding (issue 12 rule 1): a From or Sender mailbox that is not the certificate holder's (CPS)
    /// or not in a domain bound to the peer's certificate; or not exactly one From field.
    /// </summary>
    public static SmtpReply HeaderFromNotBound { get; } = new(550, "5.7.1", "header_from_not_bound", "From header not bound to the client certificate");

    /// <summary>Every policy refusal, for documentation and tests.</summary>
    public static IReadOnlyList<SmtpReply> All { get; } =
    [
        AttachmentsTooBig, MimeTooComplex, MimeMalformed, SmimeInvalid, SmimeUntrusted, SmimeSignerMismatch, SmimeMissing,
        SmimePartial, SmimeWeakAlgorithm, HeaderFromNotBound, MssGateway.Trust.TrustReasons.SenderNotBound,
    ];
}
