using System.Security.Cryptography;

namespace MssGateway.Spool;

/// <summary>
/// Queue ids: 16 characters of Crockford base32: 48 bits of Unix milliseconds then 30 random
/// bits. Short (they go in logs and the 250 reply), unique (random part drawn per id), and
/// time-sortable (the lexical order of ids is the order of acceptance to the millisecond).
/// </summary>
public static class QueueId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public const int Length = 16;

    public static string New(TimeProvider? time = null)
    {
        var ms = (ulong)(time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds() & 0xFFFF_FFFF_FFFF;
        var random = (ulong)RandomNumberGenerator.GetInt32(0, 1 << 30);
        Span<char> chars = stackalloc char[Length];
        // 10 digits of time (48 bits fit in 50), then 6 digits of randomness (30 bits).
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        for (var i = 15; i >= 10; i--)
        {
            chars[i] = Alphabet[(int)(random & 31)];
            random >>= 5;
        }

        return new string(chars);
    }

    /// <summary>True when the text has the shape of a queue id (so it is safe in a file name).</summary>
    public static bool IsValid(string? id)
    {
        if (id is null || id.Length != Length)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Packs a valid id into a <see cref="QueueKey"/>; false when the text is not a queue id.</summary>
    public static bool TryToKey(ReadOnlySpan<char> id, out QueueKey key)
    {
        key = default;
        if (id.Length != Length)
        {
            return false;
        }

        UInt128 v = 0;
        foreach (var c in id)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            v = (v << 5) | (uint)digit;
        }

        key = new QueueKey((ulong)(v >> 16), (ushort)(v & 0xFFFF));
        return true;
    }

    /// <summary>Packs a queue id; throws when it is not one (ids come from the spool's own file names).</summary>
    public static QueueKey ToKey(string id) =>
        TryToKey(id, out var key) ? key : throw new ArgumentException($"'{id}' is not a queue id.", nameof(id));

    /// <summary>The queue id a key stands for.</summary>
    public static string FromKey(QueueKey key)
    {
        var v = ((UInt128)key.High << 16) | key.Low;
        return string.Create(Length, v, static (chars, value) =>
        {
            for (var i = Length - 1; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });
    }

    /// <summary>When the id was made (from its time part).</summary>
    public static DateTimeOffset TimeOf(string id)
    {
        ulong v = 0;
        for (var i = 0; i < 10; i++)
        {
            v = (v << 5) | (uint)Alphabet.IndexOf(id[i], StringComparison.Ordinal);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)v);
    }
}
