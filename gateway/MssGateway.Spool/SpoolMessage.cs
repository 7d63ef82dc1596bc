using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool;

/// <summary>
/// A spooled message opened for delivery or inspection; its content reads the same whether the file is
/// sealed or in clear. One opened by <see cref="MessageSpool.Reopen"/> holds its file open (one handle for
/// every read of a delivery pass: the header scan, the transactions, a DSN's copy) until disposed; one
/// opened by <see cref="MessageSpool.Open"/> opens the file at each read and holds nothing.
/// </summary>
public sealed class SpoolMessage : IDisposable
{
    private readonly Func<ISpoolContent> _open;
    private readonly SafeFileHandle? _handle;

    internal SpoolMessage(string path, SpoolEnvelope envelope, long contentLength, Func<ISpoolContent> open, SpoolFileStamp? stamp = null)
    {
        Path = path;
        Envelope = envelope;
        ContentLength = contentLength;
        _open = open;
        Stamp = stamp;
    }

    /// <summary>A clear message whose file stays open: every read goes to <paramref name="handle"/>.</summary>
    internal SpoolMessage(string path, SpoolEnvelope envelope, long contentLength, SafeFileHandle handle, SpoolFileStamp stamp)
    {
        Path = path;
        Envelope = envelope;
        ContentLength = contentLength;
        _handle = handle;
        _open = () => new PlainSpoolContent(handle, stamp.Length);
        Stamp = stamp;
    }

    public string Path { get; }

    public SpoolEnvelope Envelope { get; }

    public long ContentLength { get; }

    /// <summary>
    /// Length and modification time of a file in clear when it was read (null for a sealed file): what
    /// <see cref="MessageSpool.Reopen"/> compares to reuse this envelope instead of parsing it again.
    /// </summary>
    internal SpoolFileStamp? Stamp { get; }

    /// <summary>Whether the envelope may be reused by <see cref="MessageSpool.Reopen"/> (a file in clear).</summary>
    public bool Reusable => Stamp is not null;

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

    /// <summary>Closes the file a <see cref="MessageSpool.Reopen"/> kept open (nothing otherwise); streams opened from it stop reading.</summary>
    public void Dispose() => _handle?.Dispose();
}
