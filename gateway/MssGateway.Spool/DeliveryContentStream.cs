using System.Text;

namespace MssGateway.Spool;

/// <summary>
/// The outgoing form of a spooled message: prepended header fields, then the content with some
/// byte ranges left out (forged Authentication-Results fields), read forward only. The stored
/// file is never rewritten.
/// </summary>
internal sealed class DeliveryContentStream : Stream
{
    private readonly byte[] _prefix;
    private readonly Stream _content;
    private readonly SpoolByteRange[] _skips;
    private int _prefixPosition;
    private long _contentPosition;
    private long _position;

    public DeliveryContentStream(string prefix, Stream content, IReadOnlyList<SpoolByteRange> skips)
    {
        _prefix = Encoding.UTF8.GetBytes(prefix);
        _content = content;
        _skips = skips.Where(s => s.Length > 0).OrderBy(s => s.Offset).ToArray();
        Length = _prefix.Length + content.Length - _skips.Sum(s => s.Length);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_prefixPosition < _prefix.Length)
        {
            var n = Math.Min(buffer.Length, _prefix.Length - _prefixPosition);
            _prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
            _prefixPosition += n;
            _position += n;
            return n;
        }

        var limit = SkipToNextReadable(buffer.Length);
        if (limit == 0)
        {
            return 0;
        }

        var read = _content.Read(buffer[..limit]);
        _contentPosition += read;
        _position += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_prefixPosition < _prefix.Length)
        {
            return Read(buffer.Span);
        }

        var limit = SkipToNextReadable(buffer.Length);
        if (limit == 0)
        {
            return 0;
        }

        var read = await _content.ReadAsync(buffer[..limit], cancellationToken);
        _contentPosition += read;
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Jumps over a skip range that starts here; returns how much may be read before the next one.</summary>
    private int SkipToNextReadable(int wanted)
    {
        foreach (var s in _skips)
        {
            if (_contentPosition >= s.Offset && _contentPosition < s.Offset + s.Length)
            {
                _contentPosition = s.Offset + s.Length;
                _content.Position = _contentPosition;
            }
        }

        var left = _content.Length - _contentPosition;
        if (left <= 0)
        {
            return 0;
        }

        long limit = Math.Min(wanted, left);
        foreach (var s in _skips)
        {
            if (s.Offset > _contentPosition)
            {
                limit = Math.Min(limit, s.Offset - _contentPosition);
                break;
            }
        }

        return (int)limit;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

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
