using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MssGateway.Spool.Encryption;

/// <summary>
/// A temporary file whose octets never reach the disk in clear: each 64 KiB chunk is sealed with
/// AES-256-GCM under a key drawn for this file alone and held only in memory, so the file is
/// unreadable by anyone the moment the process lets go of it (deleted on close too). For the copy of
/// an unwrapped S/MIME content the policy scans: the clear signed content would otherwise sit in
/// the temp directory (the spool volume in the chart). Written once from the start (appends only),
/// then read and sought freely; the chunk being filled stays in memory.
/// </summary>
public sealed class SealedTempFile : Stream
{
    private const int ChunkSize = SealedFileHeader.ChunkSize;
    private const int TagLength = SealedFileHeader.TagLength;
    private readonly FileStream _file;
    private readonly AesGcm _aes;
    private byte[]? _pending;
    private byte[]? _plain;
    private byte[]? _sealed;
    private int _pendingLength;
    private long _sealedChunks;
    private long _cachedChunk = -1;
    private long _position;

    public SealedTempFile(string path)
    {
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 0, FileOptions.DeleteOnClose);
        var key = RandomNumberGenerator.GetBytes(32);
        _aes = new AesGcm(key, TagLength);
        CryptographicOperations.ZeroMemory(key);
        _pending = ArrayPool<byte>.Shared.Rent(ChunkSize);
        _plain = ArrayPool<byte>.Shared.Rent(ChunkSize);
        _sealed = ArrayPool<byte>.Shared.Rent(ChunkSize + TagLength);
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => (_sealedChunks * ChunkSize) + _pendingLength;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, Length);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var pending = _pending ?? throw new ObjectDisposedException(nameof(SealedTempFile));
        if (_position != Length)
        {
            throw new NotSupportedException("A sealed temp file is written from the start, in one go.");
        }

        while (buffer.Length > 0)
        {
            if (_pendingLength == ChunkSize)
            {
                SealPending();
            }

            var n = Math.Min(ChunkSize - _pendingLength, buffer.Length);
            buffer[..n].CopyTo(pending.AsSpan(_pendingLength));
            _pendingLength += n;
            buffer = buffer[n..];
            _position += n;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && _position < Length)
        {
            var index = _position / ChunkSize;
            var within = (int)(_position % ChunkSize);
            ReadOnlySpan<byte> chunk = index == _sealedChunks ? _pending.AsSpan(0, _pendingLength) : Load(index);
            var n = Math.Min(buffer.Length, chunk.Length - within);
            chunk.Slice(within, n).CopyTo(buffer);
            buffer = buffer[n..];
            _position += n;
            total += n;
        }

        return total;
    }

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            _aes.Dispose();
            foreach (var buffer in new[] { _pending, _plain })
            {
                if (buffer is not null)
                {
                    CryptographicOperations.ZeroMemory(buffer);
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            if (_sealed is not null)
            {
                ArrayPool<byte>.Shared.Return(_sealed);
            }

            _pending = _plain = _sealed = null;
        }

        base.Dispose(disposing);
    }

    private void SealPending()
    {
        Span<byte> nonce = stackalloc byte[12];
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], _sealedChunks);
        var output = _sealed!;
        _aes.Encrypt(nonce, _pending.AsSpan(0, ChunkSize), output.AsSpan(0, ChunkSize), output.AsSpan(ChunkSize, TagLength));
        RandomAccess.Write(_file.SafeFileHandle, output.AsSpan(0, ChunkSize + TagLength), _sealedChunks * (ChunkSize + TagLength));
        _sealedChunks++;
        _pendingLength = 0;
    }

    private ReadOnlySpan<byte> Load(long index)
    {
        var plain = _plain!;
        if (index != _cachedChunk)
        {
            var input = _sealed!;
            var offset = index * (ChunkSize + TagLength);
            var read = 0;
            while (read < ChunkSize + TagLength)
            {
                var n = RandomAccess.Read(_file.SafeFileHandle, input.AsSpan(read, ChunkSize + TagLength - read), offset + read);
                if (n == 0)
                {
                    throw new IOException("sealed temp file cut short");
                }

                read += n;
            }

            Span<byte> nonce = stackalloc byte[12];
            BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
            _cachedChunk = -1;
            _aes.Decrypt(nonce, input.AsSpan(0, ChunkSize), input.AsSpan(ChunkSize, TagLength), plain.AsSpan(0, ChunkSize));
            _cachedChunk = index;
        }

        return plain.AsSpan(0, ChunkSize);
    }
}
