namespace MssGateway.Spool;

/// <summary>A spooled message opened for delivery or inspection; its content reads the same whether the file is sealed or in clear.</summary>
public sealed class SpoolMessage
{
    private readonly Func<ISpoolContent> _open;

    internal SpoolMessage(string path, SpoolEnvelope envelope, long contentLength, Func<ISpoolContent> open)
    {
        Path = path;
        Envelope = envelope;
        ContentLength = contentLength;
        _open = open;
    }

    public string Path { get; }

    public SpoolEnvelope Envelope { get; }

    public long ContentLength { get; }

    /// <summary>The stored content exactly as received (dot-unstuffed, CRLF).</summary>
    public Stream OpenContent() => new SpoolContentStream(_open(), ContentLength);

    /// <summary>The stored octets (clear or decrypted), for the delivery stream.</summary>
    internal ISpoolContent OpenStored() => _open();

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
