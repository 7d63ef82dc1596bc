using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool.Encryption;

/// <summary>
/// Random-access plaintext of a sealed file (<see cref="SealedFileHeader"/>): positional reads decrypt
/// and authenticate the chunk they fall in (one chunk cached), so a MIME parser may seek as in a clear
/// file. Where the file ends decides which chunk must carry the final flag: a file cut at a chunk
/// boundary fails because its new last chunk was sealed as not final. Every failure is a
/// <see cref="SpoolDecryptionException"/> naming the chunk, never a byte of content.
/// </summary>
internal sealed class SealedContentReader : ISpoolContent
{
    private const int SealedChunkLength = SealedFileHeader.ChunkSize + SealedFileHeader.TagLength;
    private readonly SafeFileHandle _file;
    private readonly SealedFileHeader _header;
    private readonly AesGcm _aes;
    private readonly byte[] _associated;
    private readonly long _chunkCount;
    private readonly int _lastChunkLength;
    private readonly bool _lastIsFinal;
    private readonly byte[]? _tail;
    private byte[]? _plain;
    private byte[]? _sealed;
    private long _cachedChunk = -1;
    private int _cachedLength;

    private SealedContentReader(SafeFileHandle file, SealedFileHeader header, ReadOnlySpan<byte> dataKey, long chunkCount, int lastChunkLength, bool lastIsFinal, byte[]? tail)
    {
        _file = file;
        _header = header;
        _aes = new AesGcm(dataKey, SealedFileHeader.TagLength);
        _associated = [.. header.Bytes, 0];
        _chunkCount = chunkCount;
        _lastChunkLength = lastChunkLength;
        _lastIsFinal = lastIsFinal;
        _tail = tail;
        _plain = ArrayPool<byte>.Shared.Rent(SealedFileHeader.ChunkSize);
        _sealed = ArrayPool<byte>.Shared.Rent(SealedChunkLength);
        PlainLength = tail is not null
            ? (chunkCount * SealedFileHeader.ChunkSize) + tail.Length
            : ((chunkCount - 1) * SealedFileHeader.ChunkSize) + lastChunkLength;
    }

    /// <summary>Octets of plaintext in the file.</summary>
    public long PlainLength { get; }

    public SealedFileKind Kind => _header.Kind;

    long ISpoolContent.Length => PlainLength;

    /// <summary>Opens a complete sealed file: checks its header against the expected kind and queue id, unwraps the data key.</summary>
    public static SealedContentReader Open(string path, SpoolKeyRing? ring, SealedFileKind kind, string queueId)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        try
        {
            var length = RandomAccess.GetLength(file);
            var header = SealedFileHeader.Read(file, length);
            if (header.Kind != kind)
            {
                throw new SpoolDecryptionException(SpoolDecryptionFailure.WrongMessage, $"the header says {header.Kind}, the file is a {kind}");
            }

            if (!string.Equals(header.QueueId, queueId, StringComparison.Ordinal))
            {
                throw new SpoolDecryptionException(SpoolDecryptionFailure.WrongMessage, $"the header belongs to message {header.QueueId}, not {queueId}");
            }

            if (ring is null)
            {
                throw new SpoolDecryptionException(SpoolDecryptionFailure.KeyMissing, $"message {queueId} is sealed and no key is loaded: set {SpoolEncryptionOptions.Section}:KeyFile (and PreviousKeyFiles) to the gateway's keys");
            }

            var body = length - header.Length;
            var full = body / SealedChunkLength;
            var rest = body % SealedChunkLength;
            long chunks;
            int last;
            if (rest == 0 && full > 0)
            {
                chunks = full;
                last = SealedFileHeader.ChunkSize;
            }
            else if (rest >= SealedFileHeader.TagLength)
            {
                chunks = full + 1;
                last = (int)(rest - SealedFileHeader.TagLength);
            }
            else
            {
                throw new SpoolDecryptionException(SpoolDecryptionFailure.Truncated, "the file ends inside a chunk tag");
            }

            var dataKey = header.UnwrapDataKey(ring);
            try
            {
                return new SealedContentReader(file, header, dataKey, chunks, last, lastIsFinal: true, tail: null);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>What a writer wrote so far: <paramref name="sealedChunks"/> non-final chunks on disk, then <paramref name="tail"/> in memory.</summary>
    public static SealedContentReader OpenPartial(string path, SealedFileHeader header, ReadOnlySpan<byte> dataKey, long sealedChunks, ReadOnlySpan<byte> tail)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        return new SealedContentReader(file, header, dataKey, sealedChunks, SealedFileHeader.ChunkSize, lastIsFinal: false, tail.ToArray());
    }

    /// <summary>Reads plaintext at <paramref name="offset"/>; returns 0 at the end.</summary>
    public int Read(long offset, Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && offset < PlainLength)
        {
            var index = offset / SealedFileHeader.ChunkSize;
            var within = (int)(offset % SealedFileHeader.ChunkSize);
            ReadOnlySpan<byte> chunk;
            if (_tail is not null && index == _chunkCount)
            {
                chunk = _tail;
            }
            else
            {
                Load(index);
                chunk = _plain.AsSpan(0, _cachedLength);
            }

            var n = Math.Min(buffer.Length, chunk.Length - within);
            chunk.Slice(within, n).CopyTo(buffer);
            buffer = buffer[n..];
            offset += n;
            total += n;
        }

        return total;
    }

    /// <summary>Authenticates every chunk (before a message may leave): a bit flipped anywhere fails here, not halfway through DATA.</summary>
    public void VerifyAll()
    {
        for (long i = 0; i < _chunkCount; i++)
        {
            Load(i);
        }
    }

    public void Dispose()
    {
        _aes.Dispose();
        _file.Dispose();
        if (_plain is not null)
        {
            CryptographicOperations.ZeroMemory(_plain.AsSpan(0, _cachedLength));
            ArrayPool<byte>.Shared.Return(_plain);
            _plain = null;
        }

        if (_sealed is not null)
        {
            ArrayPool<byte>.Shared.Return(_sealed);
            _sealed = null;
        }
    }

    private void Load(long index)
    {
        if (index == _cachedChunk)
        {
            return;
        }

        var plain = _plain ?? throw new ObjectDisposedException(nameof(SealedContentReader));
        var sealedBuffer = _sealed!;
        var isLast = index == _chunkCount - 1;
        var length = isLast && _lastIsFinal ? _lastChunkLength : SealedFileHeader.ChunkSize;
        var sealedLength = length + SealedFileHeader.TagLength;
        var offset = _header.Length + (index * SealedChunkLength);
        var read = 0;
        while (read < sealedLength)
        {
            var n = RandomAccess.Read(_file, sealedBuffer.AsSpan(read, sealedLength - read), offset + read);
            if (n == 0)
            {
                throw new SpoolDecryptionException(SpoolDecryptionFailure.Truncated, $"chunk {index} is cut short");
            }

            read += n;
        }

        Span<byte> nonce = stackalloc byte[12];
        _header.NonceOf(index, nonce);
        _associated[^1] = isLast && _lastIsFinal ? (byte)1 : (byte)0;
        _cachedChunk = -1;
        try
        {
            _aes.Decrypt(nonce, sealedBuffer.AsSpan(0, length), sealedBuffer.AsSpan(length, SealedFileHeader.TagLength), plain.AsSpan(0, length), _associated);
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, length));
            throw new SpoolDecryptionException(
                SpoolDecryptionFailure.ChunkAltered,
                isLast && _lastIsFinal
                    ? $"chunk {index} of {_chunkCount} does not authenticate as the final chunk (altered, or the file was cut)"
                    : $"chunk {index} of {_chunkCount} does not authenticate (altered, reordered or repeated)");
        }

        _cachedChunk = index;
        _cachedLength = length;
    }
}
