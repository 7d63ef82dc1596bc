namespace MssGateway.Spool;

/// <summary>
/// A queue id packed into 80 bits (16 Crockford base32 digits × 5 bits) so that a scheduler can
/// track a national-scale queue without one string per message: 16 bytes per entry instead of
/// about 56 for the string, and ordering by acceptance time for free (the time digits come first).
/// <see cref="QueueId.ToKey"/> and <see cref="ToString"/> convert both ways.
/// </summary>
public readonly struct QueueKey : IEquatable<QueueKey>, IComparable<QueueKey>
{
    // High holds the first 64 bits of the 80 (all the time digits and the start of the random part),
    // Low the last 16.
    private readonly ulong _high;
    private readonly ushort _low;

    internal QueueKey(ulong high, ushort low)
    {
        _high = high;
        _low = low;
    }

    internal ulong High => _high;

    internal ushort Low => _low;

    /// <summary>When the message was accepted (the id's 48-bit millisecond time).</summary>
    public DateTimeOffset AcceptedAt => DateTimeOffset.FromUnixTimeMilliseconds((long)(_high >> 14));

    public bool Equals(QueueKey other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is QueueKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public int CompareTo(QueueKey other)
    {
        var c = _high.CompareTo(other._high);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    /// <summary>The queue id (16 characters).</summary>
    public override string ToString() => QueueId.FromKey(this);

    public static bool operator ==(QueueKey left, QueueKey right) => left.Equals(right);

    public static bool operator !=(QueueKey left, QueueKey right) => !left.Equals(right);

    public static bool operator <(QueueKey left, QueueKey right) => left.CompareTo(right) < 0;

    public static bool operator >(QueueKey left, QueueKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(QueueKey left, QueueKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(QueueKey left, QueueKey right) => left.CompareTo(right) >= 0;
}
