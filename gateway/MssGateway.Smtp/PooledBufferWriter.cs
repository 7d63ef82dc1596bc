using System.Buffers;

namespace MssGateway.Smtp;

/// <summary>
/// An IBufferWriter over one array rented from the shared pool, returned on dispose (no per-message
/// allocation). The array is rented at the first write, not before: a transfer whose client sends
/// nothing (a slowloris inside DATA) holds no buffer (docs/smtp.md "Memory per connection").
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private readonly int _initialSize;
    private byte[] _buffer = [];
    private int _written;

    public PooledBufferWriter(int initialSize)
    {
        _initialSize = initialSize;
    }

    /// <summary>Bytes of pooled memory held (0 until the first write).</summary>
    public int Capacity => _buffer.Length;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Clear() => _written = 0;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    private void Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= need)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_buffer.Length * 2, _initialSize), _written + need));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }
}
