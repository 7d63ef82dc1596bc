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
}
