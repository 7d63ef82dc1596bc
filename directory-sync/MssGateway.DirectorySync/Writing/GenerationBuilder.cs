using MssGateway.Directory;
using MssGateway.Directory.Redis;
using StackExchange.Redis;

namespace MssGateway.DirectorySync.Writing;

/// <summary>
/// Writes one new generation, batch by batch (pipelined). Nothing here is visible to readers until
/// <see cref="RedisDirectoryWriter.SwitchAsync"/> points <c>current</c> at it. The first line of a
/// duplicated address wins (HSETNX), which is the flat file's dedupe. Two batches may be in flight:
/// each issues all its HSETNX before its first await, so commands reach Redis in source order.
/// </summary>
public sealed class GenerationBuilder
{
    private readonly IDatabase _db;
    private readonly RedisDirectoryKeys _keys;

    internal GenerationBuilder(IDatabase db, RedisDirectoryKeys keys, string generation, int buckets)
    {
        _db = db;
        _keys = keys;
        Generation = generation;
        Buckets = buckets;
    }

    public string Generation { get; }

    public int Buckets { get; }

    public SyncCounts Counts { get; } = new();

    private long _duplicates;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public async Task AddBatchAsync(IReadOnlyList<MailboxEntry> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var writes = new Task<bool>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            writes[i] = _db.HashSetAsync(_keys.AddressBucket(Generation, RedisDirectoryKeys.BucketOf(e.Address, Buckets)), e.Address, MailboxEntryCodec.Encode(e), When.NotExists);
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        var indexes = new List<Task>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            if (!await writes[i].ConfigureAwait(false))
            {
                Interlocked.Increment(ref _duplicates);
                continue;
            }

            Counts.Add(e.Kind, 1);
            if (e.NationalIdentifier is { } id)
            {
                indexes.Add(_db.ScriptEvaluateAsync(RedisScripts.AppendAddress, [_keys.IdentifierBucket(Generation, RedisDirectoryKeys.BucketOf(id, Buckets))], [id, e.Address]));
            }
        }

        await Task.WhenAll(indexes).ConfigureAwait(false);
    }
}
