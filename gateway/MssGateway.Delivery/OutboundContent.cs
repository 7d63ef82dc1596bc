using System.Buffers;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// The bytes of one message as they leave the gateway, streamed from the spool without parsing its
/// MIME structure (the spool already prepended Received and Authentication-Results and knows the
/// forged fields to leave out): the prepended fields, then the stored content minus those ranges and
/// minus the top-level fields a relay must not pass on — <c>Bcc</c> and <c>Resent-Bcc</c> (a blind
/// copy must stay blind, RFC 5322 §3.6.3) and <c>Content-Length</c>. Only the top-level header section
/// is read to find them (and to count <c>Received</c> fields for the loop guard). One open file handle,
/// rewound for each transaction of the pass.
/// </summary>
internal sealed class OutboundContent : IDisposable
{
    /// <summary>A header section longer than this is not scanned further (the accept path bounds header lines anyway).</summary>
    private const int MaxHeaderScan = 1024 * 1024;

    private readonly Stream _stream;

    private OutboundContent(Stream stream, int receivedFields)
    {
        _stream = stream;
        ReceivedFields = receivedFields;
    }

    /// <summary>Octets sent (the SIZE parameter and the BDAT length).</summary>
    public long Length => _stream.Length;

    /// <summary><c>Received</c> fields in the outgoing header section, the gateway's own included.</summary>
    public int ReceivedFields { get; }

    public static OutboundContent Open(SpoolMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var strip = new List<SpoolByteRange>();
        var received = CountReceived(message.Envelope.PrependHeaders);
        using (var content = message.OpenContent())
        {
            received += ScanHeader(content, strip);
        }

        return new OutboundContent(message.OpenForDelivery(strip), received);
    }

    /// <summary>The outgoing bytes from the first one.</summary>
    public Stream Rewind()
    {
        _stream.Position = 0;
        return _stream;
    }

    public void Dispose() => _stream.Dispose();

    private static int CountReceived(string prepend)
    {
        var count = 0;
        foreach (var line in prepend.Split('\n'))
        {
            if (line.StartsWith("Received:", StringComparison.OrdinalIgnoreCase))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Walks the top-level header fields of the stored content; adds the ranges to leave out and returns the Received count.</summary>
    private static int ScanHeader(Stream content, List<SpoolByteRange> strip)
    {
        var data = ArrayPool<byte>.Shared.Rent(16384);
        try
        {
            // Read until the empty line that ends the header section (usually the first read), the end, or the bound.
            var filled = 0;
            while (filled < MaxHeaderScan && EndOfHeader(data.AsSpan(0, filled)) < 0)
            {
                if (filled == data.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(data.Length * 2);
                    Buffer.BlockCopy(data, 0, larger, 0, filled);
                    ArrayPool<byte>.Shared.Return(data);
                    data = larger;
                }

                var n = content.Read(data, filled, Math.Min(data.Length, MaxHeaderScan) - filled);
                if (n == 0)
                {
                    break;
                }

                filled += n;
            }

            var header = data.AsSpan(0, filled);
            var received = 0;
            var fieldStart = -1;
            var fieldKind = FieldKind.Other;
            var pos = 0;
            while (pos < header.Length)
            {
                var b = header[pos];
                if (b is not ((byte)' ' or (byte)'\t'))
                {
                    Close(pos);
                    fieldStart = -1;
                    if (b is (byte)'\r' or (byte)'\n')
                    {
                        break; // the empty line
                    }

                    if (Classify(header[pos..], out var kind) is false)
                    {
                        break; // not a header field: the body starts here
                    }

                    fieldStart = pos;
                    fieldKind = kind;
                }

                var lf = header[pos..].IndexOf((byte)'\n');
                pos = lf < 0 ? header.Length : pos + lf + 1;
            }

            Close(pos);
            return received;

            void Close(int end)
            {
                if (fieldStart < 0)
                {
                    return;
                }

                if (fieldKind == FieldKind.Received)
                {
                    received++;
                }
                else if (fieldKind == FieldKind.Strip)
                {
                    strip.Add(new SpoolByteRange(fieldStart, end - fieldStart));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary>Offset of the empty line ending the header section, or -1 when not read yet.</summary>
    private static int EndOfHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0 && data[0] is (byte)'\r' or (byte)'\n')
        {
            return 0;
        }

        var crlf = data.IndexOf("\n\r\n"u8);
        var lflf = data.IndexOf("\n\n"u8);
        return crlf < 0 ? lflf : lflf < 0 ? crlf : Math.Min(crlf, lflf);
    }

    /// <summary>Whether a line begins a header field (a name of printable characters up to a colon), and which kind.</summary>
    private static bool Classify(ReadOnlySpan<byte> line, out FieldKind kind)
    {
        kind = FieldKind.Other;
        var colon = -1;
        for (var j = 0; j < line.Length; j++)
        {
            var c = line[j];
            if (c == (byte)':')
            {
                colon = j;
                break;
            }

            if (c <= (byte)' ' || c >= 0x7F)
            {
                break;
            }
        }

        if (colon <= 0)
        {
            return false;
        }

        var name = line[..colon];
        if (System.Text.Ascii.EqualsIgnoreCase(name, "Received"u8))
        {
            kind = FieldKind.Received;
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "Bcc"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "Resent-Bcc"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            kind = FieldKind.Strip;
        }

        return true;
    }

    private enum FieldKind
    {
        Other,
        Received,
        Strip,
    }
}
