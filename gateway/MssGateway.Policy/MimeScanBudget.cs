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

    public void AddAttachmentBytes(long octets)
    {
        AttachmentBytes += octets;
        if (AttachmentBytes > Options.MaxAttachmentBytes)
        {
            throw new MimeLimitExceededException(MimeLimit.AttachmentBytes);
        }
    }
}
