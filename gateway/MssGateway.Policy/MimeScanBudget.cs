namespace MssGateway.Policy;

/// <summary>
/// The bounds shared by every scan of one message (the stored file and any unwrapped opaque S/MIME
/// content): parts seen and decoded attachment octets. Passing a bound throws
/// <see cref="MimeLimitExceededException"/> at once, so a MIME bomb costs little.
/// </summary>
internal sealed class MimeScanBudget(MessagePolicyOptions options)
{
    public MessagePolicyOptions Options { get; } = options;

    public int Parts { get; private set; }

    public long AttachmentBytes { get; private set; }

    /// <summary>
    /// The message's one primary body (issue 12 rule 5): taken by its first text/plain or text/html leaf,
    /// or its first multipart/alternative, that is not marked as an attachment. Shared by every scan of
    /// the message, so unwrapped S/MIME content cannot bring a second one.
    /// </summary>
    public BodySlot PrimaryBody { get; } = new();

    public void CountPart(int depth)
    {
        if (depth > Options.MaxMimeDepth)
        {
            throw new MimeLimitExceededException(MimeLimit.Depth);
        }

        if (++Parts > Options.MaxMimeParts)
        {
            throw new MimeLimitExceededException(MimeLimit.Parts);
        }
    }

    /// <summary>One place a body text may be (the message's, or one alternative of the primary multipart/alternative).</summary>
    public sealed class BodySlot
    {
        public bool Taken { get; set; }
    }

    public void AddAttachmentBytes(long octets)
    {
        AttachmentBytes += octets;
        if (AttachmentBytes > Options.MaxAttachmentBytes)
        {
            throw new MimeLimitExceededException(MimeLimit.AttachmentBytes);
        }
    }
}
