namespace MssGateway.Policy;

/// <summary>
/// Options of the end-of-data message policy (configuration section <c>Gateway:Policy</c>). The
/// per-listener <c>SmimePolicy</c> lives on each listener and reaches the policy in
/// <see cref="MessagePolicyContext"/>. docs/policy.md lists every key (a test keeps them in step).
/// </summary>
public sealed class MessagePolicyOptions
{
    public const string SectionName = "Gateway:Policy";

    /// <summary>Maximum sum of decoded attachment sizes, in octets (domain.md: 10 Mo). Default 10,485,760.</summary>
    public long MaxAttachmentBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Maximum MIME nesting depth (multiparts, message/rfc822, unwrapped S/MIME). Default 32.</summary>
    public int MaxMimeDepth { get; set; } = 32;

    /// <summary>Maximum number of MIME parts in a message, every level counted. Default 1000.</summary>
    public int MaxMimeParts { get; set; } = 1000;

    /// <summary>Maximum size in octets of one header block (the message's or a part's). Default 262,144.</summary>
    public int MaxHeaderBytes { get; set; } = 256 * 1024;

    /// <summary>Maximum decoded size of a detached signature part (application/pkcs7-signature). Default 1,048,576.</summary>
    public int MaxSignatureBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The authserv-id this gateway writes in Authentication-Results (RFC 8601 §2.5) and strips when
    /// found in incoming mail. Required; usually the gateway's ServerName.
    /// </summary>
    public string? AuthServId { get; set; }

    /// <summary>Folder for the temporary files that hold unwrapped opaque S/MIME content; null = the system temp folder.</summary>
    public string? TempPath { get; set; }

    /// <summary>
    /// How long before reception an S/MIME signingTime may lie and still be used (for the signer's expiry
    /// only, never for revocation; issue 12 rule 4). Older claims are ignored: the signer must be valid now.
    /// Default 1 hour.
    /// </summary>
    public TimeSpan SigningTimeWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far in the future a signingTime may lie (clock skew) and still be used. Default 5 minutes.</summary>
    public TimeSpan SigningTimeSkew { get; set; } = TimeSpan.FromMinutes(5);
}
