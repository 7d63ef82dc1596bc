namespace MssGateway.Spool;

/// <summary>A read-only, seekable view of the first <c>length</c> octets of stored content (the content before the envelope).</summary>
internal sealed class SpoolContentStream : SpoolReadStream
{
    private readonly ISpoolContent _content;
    private readonly long _length;

    public SpoolContentStream(ISpoolContent content, long length)
    {
        _content = content;
        _length = length;
    }

    public override long Length => _length;

    protected override int ReadAt(long position, Span<byte> buffer)
    {
        var left = _length - position;
        if (left <= 0 || buffer.Length == 0)
        {
            return 0;
        }

        var n = _content.Read(position, buffer[..(int)Math.Min(buffer.Length, left)]);
        if (n == 0)
        {
            throw new IOException("The spool file is shorter than its footer says.");
        }

        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _content.Dispose();
        }

        base.Dispose(disposing);
    }
}
