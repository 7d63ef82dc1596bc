using System.Buffers;
using System.Security.Cryptography;

namespace MssGateway.Spool.Encryption;

/// <summary>
/// Streaming AEAD writer of one sealed file (layout in <see cref="SealedFileHeader"/>): plaintext is
/// cut in 64 KiB chunks, each encrypted with AES-256-GCM under the file's fresh data key, nonce =
/// the file's random prefix + the chunk index, associated data = the header + a final-chunk flag.
/// A full chunk is sealed only when more data follows, so the last chunk (the only one flagged
/// final) is never empty but for an empty file: cutting chunks off, reordering or repeating them
/// fails authentication. No plaintext reaches the disk; the pending chunk stays in a pooled buffer.
/// </summary>
internal sealed class SealedFileWriter : IDisposable
{
    private readonly Stream _file;
    private readonly AesGcm _aes;
    private readonly byte[] _dataKey;
    private readonly byte[] _associated;
    private byte[]? _plain;
    private byte[]? _sealed;
    private int _pending;
    private long _chunks;
    private bool _headerWritten;

    public SealedFileWriter(Stream file, SpoolKey key, SealedFileKind kind, string queueId)
    {
        _file = file;
        _dataKey = RandomNumberGenerator.GetBytes(32);
        Header = SealedFileHeader.Create(key, kind, queueId, _dataKey);
        _aes = new AesGcm(_dataKey, SealedFileHeader.TagLength);
        _associated = [.. Header.Bytes, 0];
        _plain = ArrayPool<byte>.Shared.Rent(SealedFileHeader.ChunkSize);
        _sealed = ArrayPool<byte>.Shared.Rent(SealedFileHeader.ChunkSize + SealedFileHeader.TagLength);
    }

    public SealedFileHeader Header { get; }

    /// <summary>Chunks already sealed and written (none of them final).</summary>
    public long SealedChunks => _chunks;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var plain = _plain ?? throw new ObjectDisposedException(nameof(SealedFileWriter));
        if (!_headerWritten)
        {
            await _file.WriteAsync(Header.Bytes, cancellationToken);
            _headerWritten = true;
        }

        while (data.Length > 0)
        {
            if (_pending == SealedFileHeader.ChunkSize)
            {
                await SealAsync(final: false, cancellationToken);
            }

            var n = Math.Min(SealedFileHeader.ChunkSize - _pending, data.Length);
            data.Span[..n].CopyTo(plain.AsSpan(_pending));
            _pending += n;
            data = data[n..];
        }
    }

    /// <summary>Seals what is pending as the final chunk; nothing may be written after.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            await _file.WriteAsync(Header.Bytes, cancellationToken);
            _headerWritten = true;
        }

        await SealAsync(final: true, cancellationToken);
    }

    /// <summary>Seals a whole small file at once (delivery state, bulk import): header, chunks, final chunk.</summary>
    public static byte[] SealToArray(SpoolKey key, SealedFileKind kind, string queueId, ReadOnlySpan<byte> plaintext)
    {
        using var ms = new MemoryStream(plaintext.Length + 128 + (plaintext.Length / SealedFileHeader.ChunkSize * SealedFileHeader.TagLength));
        using (var writer = new SealedFileWriter(ms, key, kind, queueId))
        {
            ms.Write(writer.Header.Bytes);
            writer._headerWritten = true;
            while (true)
            {
                var n = Math.Min(SealedFileHeader.ChunkSize, plaintext.Length);
                var final = n == plaintext.Length;
                writer.Seal(plaintext[..n], writer._sealed, final);
                ms.Write(writer._sealed.AsSpan(0, n + SealedFileHeader.TagLength));
                writer._chunks++;
                plaintext = plaintext[n..];
                if (final)
                {
                    break;
                }
            }
        }

        return ms.ToArray();
    }

    /// <summary>
    /// A reader of what was written so far (the sealed chunks on disk, the pending chunk from memory):
    /// the end-of-data policy reads the content before the envelope is appended.
    /// </summary>
    public SealedContentReader OpenPartial(string path) =>
        SealedContentReader.OpenPartial(path, Header, _dataKey, _chunks, (_plain ?? throw new ObjectDisposedException(nameof(SealedFileWriter))).AsSpan(0, _pending));

    public void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_dataKey);
        if (_plain is not null)
        {
            CryptographicOperations.ZeroMemory(_plain.AsSpan(0, _pending));
            ArrayPool<byte>.Shared.Return(_plain);
            _plain = null;
        }

        if (_sealed is not null)
        {
            ArrayPool<byte>.Shared.Return(_sealed);
            _sealed = null;
        }
    }

    private async ValueTask SealAsync(bool final, CancellationToken cancellationToken)
    {
        var plain = _plain!;
        var output = _sealed!;
        Seal(plain.AsSpan(0, _pending), output, final);
        await _file.WriteAsync(output.AsMemory(0, _pending + SealedFileHeader.TagLength), cancellationToken);
        _chunks++;
        _pending = 0;
    }

    private void Seal(ReadOnlySpan<byte> plain, Span<byte> output, bool final)
    {
        Span<byte> nonce = stackalloc byte[12];
        Header.NonceOf(_chunks, nonce);
        _associated[^1] = final ? (byte)1 : (byte)0;
        _aes.Encrypt(nonce, plain, output[..plain.Length], output.Slice(plain.Length, SealedFileHeader.TagLength), _associated);
    }
}
