using System.Buffers.Binary;
using System.Text.Json;

namespace MssGateway.Spool;

/// <summary>
/// Layout of a spool file: the message content as received (dot-unstuffed, CRLF), then the
/// envelope as UTF-8 JSON, then a 32-octet footer:
/// <c>"MSSQ" | version u32 | content length i64 | envelope length i32 | reserved u32 | "MSSQ-END"</c>
/// (little endian). A file is only renamed into a state directory once complete and fsync'd, so a
/// file without a valid footer was never acknowledged; it is set aside in <c>corrupt/</c>. In an
/// encrypted spool the same layout is the plaintext of a sealed file (<see cref="Encryption.SealedFileHeader"/>):
/// the footer is inside the final chunk, never in clear.
/// </summary>
internal static class SpoolFileFormat
{
    public const int FooterLength = 32;
    private const uint Version = 1;
    private static ReadOnlySpan<byte> Magic => "MSSQ"u8;
    private static ReadOnlySpan<byte> EndMagic => "MSSQ-END"u8;

    public static byte[] BuildTrailer(SpoolEnvelope envelope, long contentLength)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(envelope, SpoolJsonContext.Default.SpoolEnvelope);
        var trailer = new byte[json.Length + FooterLength];
        json.CopyTo(trailer, 0);
        var footer = trailer.AsSpan(json.Length);
        Magic.CopyTo(footer);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(footer[8..], contentLength);
        BinaryPrimitives.WriteInt32LittleEndian(footer[16..], json.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[20..], 0);
        EndMagic.CopyTo(footer[24..]);
        return trailer;
    }

    /// <summary>Whether a footer's magic, version and lengths fit stored content of <paramref name="length"/> octets.</summary>
    public static bool FooterMatches(ReadOnlySpan<byte> footer, long length)
    {
        if (footer.Length != FooterLength || !footer[..4].SequenceEqual(Magic) || !footer[24..].SequenceEqual(EndMagic)
            || BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]) != Version)
        {
            return false;
        }

        var contentLength = BinaryPrimitives.ReadInt64LittleEndian(footer[8..]);
        var envelopeLength = BinaryPrimitives.ReadInt32LittleEndian(footer[16..]);
        return contentLength >= 0 && envelopeLength > 0 && contentLength + envelopeLength + FooterLength == length;
    }

    /// <summary>
    /// Whether a spool file ends with a footer whose lengths match the file: the cheap check of crash
    /// recovery (one positional read of 32 octets; the envelope itself is parsed when the file is opened).
    /// </summary>
    public static bool HasValidFooter(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return HasValidFooter(handle);
        }
        catch (FileNotFoundException)
        {
            return true; // moved meanwhile (a running gateway or the queue CLI): not ours to judge
        }
    }

    /// <summary>As <see cref="HasValidFooter(string)"/>, on a file already open (recovery reads its first octets from the same handle).</summary>
    public static bool HasValidFooter(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        if (length < FooterLength)
        {
            return false;
        }

        Span<byte> footer = stackalloc byte[FooterLength];
        if (RandomAccess.Read(handle, footer, length - FooterLength) != FooterLength
            || !footer[..4].SequenceEqual(Magic) || !footer[24..].SequenceEqual(EndMagic)
            || BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]) != Version)
        {
            return false;
        }

        var contentLength = BinaryPrimitives.ReadInt64LittleEndian(footer[8..]);
        var envelopeLength = BinaryPrimitives.ReadInt32LittleEndian(footer[16..]);
        return contentLength >= 0 && envelopeLength > 0 && contentLength + envelopeLength + FooterLength == length;
    }

    /// <summary>Reads the envelope of stored content (a clear file, or a sealed file's plaintext), or returns null with the reason when it is not valid.</summary>
    public static SpoolEnvelope? ReadEnvelope(ISpoolContent content, out long contentLength, out string? error)
    {
        contentLength = 0;
        var length = content.Length;
        if (length < FooterLength)
        {
            error = "file shorter than the footer";
            return null;
        }

        Span<byte> footer = stackalloc byte[FooterLength];
        if (ReadExactly(content, footer, length - FooterLength) != FooterLength || !footer[..4].SequenceEqual(Magic) || !footer[24..].SequenceEqual(EndMagic))
        {
            error = "footer missing (incomplete write)";
            return null;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]) != Version)
        {
            error = "unknown spool file version";
            return null;
        }

        contentLength = BinaryPrimitives.ReadInt64LittleEndian(footer[8..]);
        var envelopeLength = BinaryPrimitives.ReadInt32LittleEndian(footer[16..]);
        if (contentLength < 0 || envelopeLength <= 0 || contentLength + envelopeLength + FooterLength != length)
        {
            error = "lengths in the footer do not match the file";
            return null;
        }

        var json = new byte[envelopeLength];
        if (ReadExactly(content, json, contentLength) != envelopeLength)
        {
            error = "envelope cut short";
            return null;
        }

        try
        {
            var envelope = JsonSerializer.Deserialize(json, SpoolJsonContext.Default.SpoolEnvelope);
            error = envelope is null ? "empty envelope" : null;
            return envelope;
        }
        catch (JsonException ex)
        {
            error = "envelope is not valid JSON: " + ex.Message;
            return null;
        }
    }

    private static int ReadExactly(ISpoolContent content, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = content.Read(offset + total, buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
