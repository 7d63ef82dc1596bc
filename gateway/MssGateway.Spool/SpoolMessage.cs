namespace MssGateway.Spool;

/// <summary>A spooled message opened for delivery or inspection.</summary>
public sealed class SpoolMessage
{
    internal SpoolMessage(string path, SpoolEnvelope envelope, long contentLength)
    {
        Path = path;
        Envelope = envelope;
        ContentLength = contentLength;
    }

    public string Path { get; }

    public SpoolEnvelope Envelope { get; }

    public long ContentLength { get; }

    /// <summary>The stored content exactly as received (dot-unstuffed, CRLF).</summary>
    public Stream OpenContent()
    {
        var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 65536, FileOptions.SequentialScan);
        return new BoundedReadStream(fs, ContentLength);
    }

    /// <summary>
    /// The message as it leaves the gateway: the prepended header fields (Received,
    /// Authentication-Results), then the stored content without the skipped ranges; seekable, so a
    /// MIME parser can keep parts on disk.
    /// </summary>
    public Stream OpenForDelivery() => new DeliveryContentStream(this);

    /// <summary>
    /// As <see cref="OpenForDelivery()"/>, leaving out more ranges of the stored content as well (the
    /// delivery side drops header fields a relay must not pass on, such as <c>Bcc</c>). Ranges may overlap.
    /// </summary>
    public Stream OpenForDelivery(IEnumerable<SpoolByteRange> alsoSkip) => new DeliveryContentStream(this, alsoSkip);
}
