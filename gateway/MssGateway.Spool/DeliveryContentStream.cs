using System.Text;
namespace MssGateway.Spool;

/// <summary>
/// The outgoing form of a spooled message: the prepended header fields, then the stored content
/// without its skip ranges (forged Authentication-Results fields) — the file is never rewritten.
/// Seekable: MimeKit's parser needs to seek to keep
/// part contents on disk (persistent parsing) instead of copying a 20 MB message into memory, and
/// MailKit then writes those parts back byte for byte. Reads are positional on one file handle
/// (through the decryption of a sealed file when the spool is encrypted).
/// </summary>
internal sealed class DeliveryContentStream : SpoolReadStream
{
    private readonly ISpoolContent _file;
    private readonly Segment[] _segments;

    public DeliveryContentStream(SpoolMessage message, IEnumerable<SpoolByteRange>? extraSkips = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _file = message.OpenStored();
        var segments = new List<Segment>();
        long logical = 0;
        var prefix = Encoding.UTF8.GetBytes(message.Envelope.PrependHeaders);
        if (prefix.Length > 0)
        {
            segments.Add(new Segment(logical, prefix.Length, prefix, 0));
            logical += prefix.Length;
        }

        long offset = 0;
        foreach (var skip in message.Envelope.SkipRanges.Concat(extraSkips ?? []).Where(s => s.Length > 0).OrderBy(s => s.Offset))
        {
            var start = Math.Clamp(skip.Offset, 0, message.ContentLength);
            if (start > offset)
            {
                segments.Add(new Segment(logical, start - offset, null, offset));
                logical += start - offset;
            }

            offset = Math.Max(offset, Math.Min(message.ContentLength, skip.Offset + skip.Length));
        }

        if (message.ContentLength > offset)
        {
            segments.Add(new Segment(logical, message.ContentLength - offset, null, offset));
            logical += message.ContentLength - offset;
        }

        _segments = [.. segments];
        Length = logical;
    }

    public override long Length { get; }

    protected override int ReadAt(long position, Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && position < Length)
        {
            var segment = Find(position);
            var within = position - segment.Start;
            var n = (int)Math.Min(buffer.Length, segment.Length - within);
            if (segment.Memory is { } memory)
            {
                memory.AsSpan((int)within, n).CopyTo(buffer);
            }
            else
            {
                n = _file.Read(segment.FileOffset + within, buffer[..n]);
                if (n == 0)
                {
                    throw new IOException("The spool file is shorter than its footer says.");
                }
            }

            position += n;
            total += n;
            buffer = buffer[n..];
        }

        return total;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    private Segment Find(long position)
    {
        // Few segments (prefix + one per skipped field): a linear scan is the cheapest.
        foreach (var s in _segments)
        {
            if (position < s.Start + s.Length)
            {
                return s;
            }
        }

        return _segments[^1];
    }

    private readonly record struct Segment(long Start, long Length, byte[]? Memory, long FileOffset);
}
