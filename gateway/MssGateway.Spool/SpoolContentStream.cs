namespace MssGateway.Spool;

/// <summary>A read-only, seekable view of the first <c>length</c> octets of stored content (the content before the envelope).</summary>
internal sealed class SpoolContentStream : Stream
{
    private readonly ISpoolContent _content;
    private readonly long _length;
    private long _position;

    public SpoolContentStream(ISpoolContent content, long length)
    {
        _content = content;
        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, _length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = _length - _position;
        if (left <= 0 || buffer.Length == 0)
        {
            return 0;
        }

        var n = _content.Read(_position, buffer[..(int)Math.Min(buffer.Length, left)]);
        if (n == 0)
        {
            throw new IOException("The spool file is shorter than its footer says.");
        }

        _position += n;
        return n;
    }

    // Page-cache reads (and in-memory decryption): synchronous is the cheapest.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _content.Dispose();
        }

        base.Dispose(disposing);
    }
}
