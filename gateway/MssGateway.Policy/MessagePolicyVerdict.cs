namespace MssGateway.Policy;

/// <summary>What the end-of-data policy decided for one message and what the spool must add or skip.</summary>
public sealed record MessagePolicyVerdict
{
    /// <summary>Why the message is refused (the host gives the reply), or null when it is accepted.</summary>
    public PolicyRefusal? Refusal { get; init; }

    /// <summary>The label of <see cref="Refusal"/> (<see cref="PolicyLabels"/>), or null when accepted.</summary>
    public string? RefusalReason => Refusal?.ToLabel();

    public bool IsAccepted => Refusal is null;

    public SmimeVerdict SmimeVerdict { get; init; } = SmimeVerdict.None;

    /// <summary>Label of <see cref="SmimeVerdict"/> (<see cref="SmimeVerdictLabels"/>).</summary>
    public string SmimeLabel => SmimeVerdict.ToLabel();

    /// <summary>Sum of decoded attachment sizes counted (stops growing once the limit is passed).</summary>
    public long AttachmentBytes { get; init; }

    /// <summary>MIME parts seen (multiparts, message parts and leaves).</summary>
    public int MimeParts { get; init; }

    /// <summary>
    /// The complete <c>Authentication-Results</c> header field, "Authentication-Results: …" folded and ending
    /// in CRLF, for the spool to prepend on delivery; null when the message is refused.
    /// </summary>
    public string? AuthenticationResultsHeader { get; init; }

    /// <summary>
    /// Top-level <c>Authentication-Results</c> fields that claim this gateway's authserv-id (forged or
    /// stale): byte ranges in the stored message, each a whole field with its CRLF, to skip on delivery.
    /// </summary>
    public IReadOnlyList<ByteRange> ForgedHeaderRanges { get; init; } = [];

    /// <summary>The signer, when a signature was verified (for logs; never a metric label).</summary>
    public SmimeSignerSummary? Signer { get; init; }

    /// <summary>
    /// The sender binding violation found (at MAIL FROM under Tag, or at end of data), or null when bound;
    /// under Enforce it is also the <see cref="Refusal"/>.
    /// </summary>
    public SenderBindingViolation? SenderBindingViolation { get; init; }
}
