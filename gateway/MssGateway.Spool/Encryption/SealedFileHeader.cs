using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MssGateway.Spool.Encryption;

/// <summary>
/// The clear header of a sealed spool file, authenticated as associated data of every chunk:
/// <code>
///  0  "MSSE"                     magic
///  4  u8   format version (1)
///  5  u8   kind (SealedFileKind)
///  6  u8   log2 of the chunk size (16: 64 KiB)
///  7  u8   reserved (0)
///  8  8    key id of the key-encryption key
/// 16  8    nonce prefix (random per file)
/// 24  12   nonce of the data-key wrap
/// 36  32   data key, AES-256-GCM encrypted under the key-encryption key
/// 68  16   tag of the wrap (associated data: octets 0..36 and the queue id)
/// 84  u8   length of the queue id, then the queue id (ASCII)
/// </code>
/// The wrap binds the data key to the key id, the kind, the nonce prefix and the queue id: a header
/// moved onto another message's chunks (or renamed to another id) opens nothing.
/// </summary>
internal sealed class SealedFileHeader
{
    public const int ChunkShift = 16;
    public const int ChunkSize = 1 << ChunkShift;
    public const int TagLength = 16;
    public const int FixedLength = 85;
    public const byte FormatVersion = 1;
    private const int WrapNonceOffset = 24;
    private const int WrappedKeyOffset = 36;
    private const int WrapTagOffset = 68;

    private SealedFileHeader(byte[] bytes, SealedFileKind kind, string queueId)
    {
        Bytes = bytes;
        Kind = kind;
        QueueId = queueId;
    }

    public static ReadOnlySpan<byte> Magic => "MSSE"u8;

    /// <summary>The header as written (and authenticated).</summary>
    public byte[] Bytes { get; }

    public SealedFileKind Kind { get; }

    public string QueueId { get; }

    public ReadOnlySpan<byte> KeyId => Bytes.AsSpan(8, SpoolKey.IdLength);

    public ReadOnlySpan<byte> NoncePrefix => Bytes.AsSpan(16, 8);

    public int Length => Bytes.Length;

    /// <summary>A new header for a file sealed under <paramref name="key"/> with the fresh <paramref name="dataKey"/>.</summary>
    public static SealedFileHeader Create(SpoolKey key, SealedFileKind kind, string queueId, ReadOnlySpan<byte> dataKey)
    {
        var id = Encoding.ASCII.GetBytes(queueId);
        if (id.Length > byte.MaxValue)
        {
            throw new ArgumentException("queue id too long", nameof(queueId));
        }

        var bytes = new byte[FixedLength + id.Length];
        Magic.CopyTo(bytes);
        bytes[4] = FormatVersion;
        bytes[5] = (byte)kind;
        bytes[6] = ChunkShift;
        key.Id.Span.CopyTo(bytes.AsSpan(8));
        RandomNumberGenerator.Fill(bytes.AsSpan(16, 8));
        RandomNumberGenerator.Fill(bytes.AsSpan(WrapNonceOffset, 12));
        bytes[84] = (byte)id.Length;
        id.CopyTo(bytes, FixedLength);
        using var aes = new AesGcm(key.Material, TagLength);
        aes.Encrypt(bytes.AsSpan(WrapNonceOffset, 12), dataKey, bytes.AsSpan(WrappedKeyOffset, 32), bytes.AsSpan(WrapTagOffset, TagLength), WrapAssociatedData(bytes));
        return new SealedFileHeader(bytes, kind, queueId);
    }

    /// <summary>Whether a file starts like a sealed file (the first octets of a message in clear never do: a header field name has no digit 0x01 after four letters).</summary>
    public static bool LooksSealed(ReadOnlySpan<byte> start) => start.Length >= 5 && start[..4].SequenceEqual(Magic) && start[4] == FormatVersion;

    /// <summary>Reads the header at the start of a file; throws <see cref="SpoolDecryptionException"/> when it is not one.</summary>
    public static SealedFileHeader Read(Microsoft.Win32.SafeHandles.SafeFileHandle file, long fileLength)
    {
        Span<byte> fixedPart = stackalloc byte[FixedLength];
        if (fileLength < FixedLength || RandomAccess.Read(file, fixedPart, 0) != FixedLength)
        {
            throw new SpoolDecryptionException(SpoolDecryptionFailure.Truncated, "file shorter than a sealed header");
        }

        if (!fixedPart[..4].SequenceEqual(Magic) || fixedPart[4] != FormatVersion)
        {
            throw new SpoolDecryptionException(SpoolDecryptionFailure.BadHeader, "not a sealed spool file of a known version");
        }

        if (fixedPart[6] != ChunkShift || !Enum.IsDefined((SealedFileKind)fixedPart[5]))
        {
            throw new SpoolDecryptionException(SpoolDecryptionFailure.BadHeader, "unknown chunk size or kind in the header");
        }

        var bytes = new byte[FixedLength + fixedPart[84]];
        fixedPart.CopyTo(bytes);
        if (RandomAccess.Read(file, bytes.AsSpan(FixedLength), FixedLength) != bytes.Length - FixedLength)
        {
            throw new SpoolDecryptionException(SpoolDecryptionFailure.Truncated, "file shorter than its header");
        }

        string id;
        try
        {
            id = Encoding.ASCII.GetString(bytes.AsSpan(FixedLength));
        }
        catch (DecoderFallbackException)
        {
            throw new SpoolDecryptionException(SpoolDecryptionFailure.BadHeader, "queue id in the header is not ASCII");
        }

        return new SealedFileHeader(bytes, (SealedFileKind)bytes[5], id);
    }

    /// <summary>Unwraps the data key with the ring's key of this header's id.</summary>
    public byte[] UnwrapDataKey(SpoolKeyRing ring)
    {
        var key = ring.Find(KeyId) ?? throw new SpoolKeyMissingException(Convert.ToHexStringLower(KeyId), QueueId);
        var dataKey = new byte[32];
        try
        {
            using var aes = new AesGcm(key.Material, TagLength);
            aes.Decrypt(Bytes.AsSpan(WrapNonceOffset, 12), Bytes.AsSpan(WrappedKeyOffset, 32), Bytes.AsSpan(WrapTagOffset, TagLength), dataKey, WrapAssociatedData(Bytes));
        }
        catch (CryptographicException)
        {
            throw new SpoolDecryptionException(SpoolDecryptionFailure.BadHeader, $"the data key does not open with key {key.IdText} (header altered)");
        }

        return dataKey;
    }

    /// <summary>The nonce of chunk <paramref name="index"/>: the file's prefix, then the index (big endian).</summary>
    public void NonceOf(long index, Span<byte> nonce)
    {
        NoncePrefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], checked((uint)index));
    }

    /// <summary>Octets 0..36 then the queue id: everything but the wrapped key and its tag.</summary>
    private static byte[] WrapAssociatedData(byte[] header) => [.. header.AsSpan(0, WrappedKeyOffset), .. header.AsSpan(FixedLength)];
}
