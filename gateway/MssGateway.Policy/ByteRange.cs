namespace MssGateway.Policy;

/// <summary>A range of bytes in the stored message, from its first byte (offset 0).</summary>
public readonly record struct ByteRange(long Offset, long Length)
{
    public long End => Offset + Length;
}
