namespace MssGateway.Spool;

/// <summary>
/// A read-only, seekable stream over spooled octets (the content for the end-of-data policy, the
/// outgoing form for delivery): the position and the <see cref="Stream"/> plumbing live here, a
/// subclass only says how many octets there are and reads at a position. Reads are synchronous even
/// when asked asynchronously: they come from the page cache (and in-memory decryption), for which
/// that is the cheapest, and MimeKit's parser reads synchronously anyway.
/// </summary>
internal abstract class SpoolReadStream : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, Length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = ReadAt(_position, buffer);
        _position += n;
        return n;
    }

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
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Reads from <paramref name="position"/> (never past <see cref="Stream.Length"/>); 0 only at the end or for an empty buffer.</summary>
    protected abstract int ReadAt(long position, Span<byte> buffer);
}
