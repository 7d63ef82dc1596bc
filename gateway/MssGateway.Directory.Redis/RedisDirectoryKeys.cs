using System.Text;
using StackExchange.Redis;

namespace MssGateway.Directory.Redis;

/// <summary>
/// The Redis key model of the directory mirror (docs/directory.md "Redis keys"). Written only by
/// directory-sync, read by the gateway.
/// </summary>
/// <remarks>
/// Control keys share the hash tag <c>{prefix}</c> so they live in one Redis Cluster slot: the
/// generation switch is one Lua script that checks the sync lock and rewrites the pointer hash
/// atomically, even on Cluster. Data keys carry no hash tag: a generation's buckets spread over the
/// cluster's slots, and every data command touches exactly one key.
/// </remarks>
public sealed class RedisDirectoryKeys
{
    /// <summary>Default key prefix.</summary>
    public const string DefaultPrefix = "mssgw:dir";

    public RedisDirectoryKeys(string prefix = DefaultPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (prefix.Contains('{', StringComparison.Ordinal) || prefix.Contains('}', StringComparison.Ordinal))
        {
            throw new ArgumentException("The key prefix must not contain '{' or '}' (it becomes the hash tag of the control keys).", nameof(prefix));
        }

        Prefix = prefix;
        var tag = "{" + prefix + "}";
        Current = tag + ":current";
        Lock = tag + ":lock";
        Generations = tag + ":generations";
        Status = tag + ":status";
        DomainsCurrent = tag + ":domains:current";
        DomainGenerations = tag + ":domains:generations";
        Events = RedisChannel.Literal(prefix + ":events");
    }

    public string Prefix { get; }

    /// <summary>HASH: the live generation pointer and its figures (field names in <see cref="CurrentFields"/>).</summary>
    public RedisKey Current { get; }

    /// <summary>STRING: the sync lease (owner token, PX expiry).</summary>
    public RedisKey Lock { get; }

    /// <summary>SET: every mailbox generation written and not yet removed (live, building, retired or orphaned).</summary>
    public RedisKey Generations { get; }

    /// <summary>HASH: figures of the last sync runs, for the gateway to export.</summary>
    public RedisKey Status { get; }

    /// <summary>HASH: the live authorised-domain list pointer and its figures.</summary>
    public RedisKey DomainsCurrent { get; }

    /// <summary>SET: authorised-domain list generations not yet removed.</summary>
    public RedisKey DomainGenerations { get; }

    /// <summary>Pub/sub channel: a message (the new generation and serial) after every change of the live data.</summary>
    public RedisChannel Events { get; }

    /// <summary>HASH of one address bucket: field = normalised address, value = entry JSON.</summary>
    public RedisKey AddressBucket(string generation, int bucket) => $"{Prefix}:g:{generation}:a:{bucket}";

    /// <summary>HASH of one identifier bucket: field = national identifier, value = addresses separated by '\n'.</summary>
    public RedisKey IdentifierBucket(string generation, int bucket) => $"{Prefix}:g:{generation}:i:{bucket}";

    /// <summary>SET used while an incremental run detects deletions: the addresses the source still lists.</summary>
    public RedisKey SweepBucket(string run, int bucket) => $"{Prefix}:sweep:{run}:{bucket}";

    /// <summary>HASH of one authorised-domain list: field = normalised domain, value = JSON array of operator certificate subject DNs.</summary>
    public RedisKey DomainList(string generation) => $"{Prefix}:domains:{generation}";

    /// <summary>
    /// The bucket of a key: FNV-1a (32 bits) of its UTF-8 bytes modulo the bucket count. Stable across
    /// processes and versions: readers and writers must agree, so never change it.
    /// </summary>
    public static int BucketOf(string value, int buckets)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<byte> stackBuffer = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var bytes = max <= stackBuffer.Length ? stackBuffer : new byte[max];
        var n = Encoding.UTF8.GetBytes(value, bytes);
        uint hash = 2166136261;
        foreach (var b in bytes[..n])
        {
            hash ^= b;
            hash *= 16777619;
        }

        return (int)(hash % (uint)buckets);
    }
}
