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

    /// <summary>The MIME structure could not be parsed at all.</summary>
    public static SmtpReply MimeMalformed { get; } = new(554, "5.6.0", "mime_malformed", "Message structure could not be parsed");

    /// <summary>Require: the signature does not verify.</summary>
    public static SmtpReply SmimeInvalid { get; } = new(550, "5.7.7", "smime_invalid", "S/MIME signature is not valid");

    /// <summary>Require: signer untrusted, revoked or expired at signing time.</summary>
    public static SmtpReply SmimeUntrusted { get; } = new(550, "5.7.5", "smime_untrusted", "S/MIME signer certificate is not trusted");

    /// <summary>Require: trusted signer that is not the From address nor the holder of the From mailbox.</summary>
    public static SmtpReply SmimeSignerMismatch { get; } = new(550, "5.7.1", "smime_signer_mismatch", "S/MIME signer does not match the From address");

    /// <summary>Require: the message carries no S/MIME signature.</summary>
    public static SmtpReply SmimeMissing { get; } = new(550, "5.7.1", "smime_missing", "An S/MIME signature is required on this service");

    /// <summary>Every policy refusal, for documentation and tests.</summary>
    public static IReadOnlyList<SmtpReply> All { get; } =
    [
        AttachmentsTooBig, MimeTooComplex, MimeMalformed, SmimeInvalid, SmimeUntrusted, SmimeSignerMismatch, SmimeMissing,
    ];
}
