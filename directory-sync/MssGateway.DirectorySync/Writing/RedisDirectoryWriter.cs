using System.Globalization;
using Microsoft.Extensions.Logging;
using MssGateway.Directory;
using MssGateway.Directory.Redis;
using MssGateway.DirectorySync.Sources;
using StackExchange.Redis;

namespace MssGateway.DirectorySync.Writing;

/// <summary>
/// The only writer of the directory mirror (docs/directory.md "Redis keys"). Full syncs build a new
/// generation and switch the pointer in one fenced script; incremental runs apply changes to the
/// live generation entry by entry (each write atomic on its own key) and close with one fenced
/// script; retired and orphaned generations are removed bucket by bucket, never with KEYS/SCAN,
/// because every key name follows from the generation and the bucket count.
/// </summary>
public sealed partial class RedisDirectoryWriter
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public RedisDirectoryWriter(IConnectionMultiplexer redis, RedisDirectoryKeys keys, ILogger logger, TimeProvider? time = null)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        Keys = keys ?? throw new ArgumentNullException(nameof(keys));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? TimeProvider.System;
    }

    public RedisDirectoryKeys Keys { get; }

    private IDatabase Db => _redis.GetDatabase();

    public Task<DirectoryPointer> ReadPointerAsync() => DirectoryPointer.ReadAsync(Db, Keys);

    public Task<SyncLock> LockAsync(TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken) =>
        SyncLock.AcquireAsync(Db, Keys, lease, wait, cancellationToken);

    /// <summary>Starts a generation and registers it (so a killed run's keys are found and removed later).</summary>
    public async Task<GenerationBuilder> BeginGenerationAsync(int buckets)
    {
        var generation = NewGenerationId();
        await Db.SetAddAsync(Keys.Generations, GenerationEntry(generation, buckets)).ConfigureAwait(false);
        return new GenerationBuilder(Db, Keys, generation, buckets);
    }

    /// <summary>Points <c>current</c> at the built generation, atomically and only while holding the lock. Returns the replaced generation.</summary>
    public async Task<string?> SwitchAsync(SyncLock syncLock, GenerationBuilder built, string source, string? watermark)
    {
        ArgumentNullException.ThrowIfNull(syncLock);
        ArgumentNullException.ThrowIfNull(built);
        var now = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var args = new List<RedisValue>
        {
            syncLock.Token,
            CurrentFields.Generation, built.Generation,
            CurrentFields.Buckets, built.Buckets,
            CurrentFields.Mailboxes, built.Counts.Total,
            CurrentFields.SyncedAt, now,
            CurrentFields.FullSyncAt, now,
            CurrentFields.Serial, 0,
            CurrentFields.Source, source,
        };
        foreach (var (label, count) in built.Counts.ByLabel())
        {
            args.Add(CurrentFields.KindPrefix + label);
            args.Add(count);
        }

        if (watermark is not null)
        {
            args.Add(CurrentFields.Watermark);
            args.Add(watermark);
        }

        var old = await EvalFencedAsync(RedisScripts.SwitchPointer, [Keys.Lock, Keys.Current], [.. args]).ConfigureAwait(false);
        await PublishAsync(built.Generation + ":0").ConfigureAwait(false);
        return old.IsNull ? null : old.ToString();
    }

    /// <summary>Applies upserts to the live generation; returns the count deltas.</summary>
    public async Task ApplyUpsertsAsync(DirectoryPointer live, IReadOnlyList<MailboxEntry> batch, SyncCounts delta)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(delta);
        var gen = live.Generation!;
        var unique = batch.GroupBy(e => e.Address, StringComparer.Ordinal).Select(g => g.Last()).ToArray();
        var db = Db;
        var reads = unique.Select(e => db.HashGetAsync(Keys.AddressBucket(gen, RedisDirectoryKeys.BucketOf(e.Address, live.Buckets)), e.Address)).ToArray();
        await Task.WhenAll(reads).ConfigureAwait(false);
        var writes = new List<Task>(unique.Length * 2);
        for (var i = 0; i < unique.Length; i++)
        {
            var e = unique[i];
            var old = MailboxEntryCodec.Decode((string?)await reads[i].ConfigureAwait(false));
            writes.Add(db.HashSetAsync(Keys.AddressBucket(gen, RedisDirectoryKeys.BucketOf(e.Address, live.Buckets)), e.Address, MailboxEntryCodec.Encode(e)));
            if (old is null)
            {
                delta.Add(e.Kind, 1);
            }
            else if (old.Kind != e.Kind)
            {
                delta.Add(old.Kind, -1);
                delta.Add(e.Kind, 1);
            }

            if (old?.NationalIdentifier is { } oldId && oldId != e.NationalIdentifier)
            {
                writes.Add(db.ScriptEvaluateAsync(RedisScripts.RemoveAddress, [Keys.IdentifierBucket(gen, RedisDirectoryKeys.BucketOf(oldId, live.Buckets))], [oldId, e.Address]));
            }

            if (e.NationalIdentifier is { } id)
            {
                writes.Add(db.ScriptEvaluateAsync(RedisScripts.AppendAddress, [Keys.IdentifierBucket(gen, RedisDirectoryKeys.BucketOf(id, live.Buckets))], [id, e.Address]));
            }
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>Records addresses the source still lists, for <see cref="SweepAsync"/>.</summary>
    public async Task MarkSeenAsync(string run, int buckets, IReadOnlyList<string> addresses, bool[] touched)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(touched);
        var db = Db;
        var tasks = new List<Task>(addresses.Count + 8);
        foreach (var group in addresses.GroupBy(a => RedisDirectoryKeys.BucketOf(a, buckets)))
        {
            var key = Keys.SweepBucket(run, group.Key);
            tasks.Add(db.SetAddAsync(key, group.Select(a => (RedisValue)a).ToArray()));
            if (!touched[group.Key])
            {
                touched[group.Key] = true;
                tasks.Add(db.KeyExpireAsync(key, TimeSpan.FromHours(6)));
            }
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>Deletes from the live generation every address not marked seen; returns the count deltas.</summary>
    public async Task SweepAsync(DirectoryPointer live, string run, SyncCounts delta, SyncLock syncLock)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(syncLock);
        var db = Db;
        var gen = live.Generation!;
        for (var b = 0; b < live.Buckets; b++)
        {
            var missing = await UnseenInBucketAsync(live, run, b).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                var bucketKey = Keys.AddressBucket(gen, b);
                var olds = missing.Select(a => db.HashGetAsync(bucketKey, a)).ToArray();
                await Task.WhenAll(olds).ConfigureAwait(false);
                var writes = new List<Task>();
                for (var i = 0; i < missing.Count; i++)
                {
                    var old = MailboxEntryCodec.Decode((string?)await olds[i].ConfigureAwait(false));
                    if (old is null)
                    {
                        continue;
                    }

                    if (old.NationalIdentifier is { } id)
                    {
                        writes.Add(db.ScriptEvaluateAsync(RedisScripts.RemoveAddress, [Keys.IdentifierBucket(gen, RedisDirectoryKeys.BucketOf(id, live.Buckets))], [id, old.Address]));
                    }

                    writes.Add(db.HashDeleteAsync(bucketKey, missing[i]));
                    delta.Add(old.Kind, -1);
                }

                await Task.WhenAll(writes).ConfigureAwait(false);
            }

            await db.KeyDeleteAsync(Keys.SweepBucket(run, b)).ConfigureAwait(false);
            if (b % 64 == 0)
            {
                await syncLock.KeepAliveAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes an incremental run: counters, sync time, watermark and serial, fenced by the lock.</summary>
    public async Task<long> CloseIncrementalAsync(SyncLock syncLock, DirectoryPointer live, SyncCounts delta, string? watermark)
    {
        ArgumentNullException.ThrowIfNull(syncLock);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(delta);
        var args = new List<RedisValue>
        {
            syncLock.Token, live.Generation, _time.GetUtcNow().ToUnixTimeSeconds(), watermark ?? string.Empty,
            CurrentFields.Mailboxes, delta.Total,
        };
        foreach (var (label, count) in delta.ByLabel())
        {
            args.Add(CurrentFields.KindPrefix + label);
            args.Add(count);
        }

        var serial = (long)await EvalFencedAsync(RedisScripts.CloseIncremental, [Keys.Lock, Keys.Current], [.. args]).ConfigureAwait(false);
        await PublishAsync($"{live.Generation}:{serial}").ConfigureAwait(false);
        return serial;
    }

    /// <summary>Removes every registered generation except <paramref name="keep"/> (orphans of killed runs, retired ones).</summary>
    public async Task<int> RemoveGenerationsExceptAsync(string? keep)
    {
        var removed = 0;
        foreach (var member in await Db.SetMembersAsync(Keys.Generations).ConfigureAwait(false))
        {
            var (generation, buckets) = ParseGenerationEntry(member.ToString());
            if (generation == keep)
            {
                continue;
            }

            await RemoveGenerationAsync(generation, buckets).ConfigureAwait(false);
            await Db.SetRemoveAsync(Keys.Generations, member).ConfigureAwait(false);
            removed++;
        }

        return removed;
    }

    /// <summary>Removes one retired generation and its registry entry.</summary>
    public async Task RetireGenerationAsync(string generation, int buckets)
    {
        await RemoveGenerationAsync(generation, buckets).ConfigureAwait(false);
        await Db.SetRemoveAsync(Keys.Generations, GenerationEntry(generation, buckets)).ConfigureAwait(false);
    }

    /// <summary>Removes one generation's buckets, chunk by chunk (each bucket holds about entries/buckets fields, so each DEL is short).</summary>
    public async Task RemoveGenerationAsync(string generation, int buckets)
    {
        var db = Db;
        const int chunk = 256;
        for (var start = 0; start < buckets; start += chunk)
        {
            var end = Math.Min(buckets, start + chunk);
            var tasks = new List<Task>((end - start) * 2);
            for (var b = start; b < end; b++)
            {
                tasks.Add(db.KeyDeleteAsync(Keys.AddressBucket(generation, b)));
                tasks.Add(db.KeyDeleteAsync(Keys.IdentifierBucket(generation, b)));
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        LogRemoved(_logger, generation);
    }

    /// <summary>Writes a new authorised-domain list generation and switches its pointer (fenced by the lock); removes the replaced list.</summary>
    public async Task WriteAuthorisedDomainsAsync(SyncLock syncLock, AuthorisedDomainList list, string source)
    {
        ArgumentNullException.ThrowIfNull(syncLock);
        ArgumentNullException.ThrowIfNull(list);
        var db = Db;
        var generation = NewGenerationId();
        var key = Keys.DomainList(generation);
        await db.SetAddAsync(Keys.DomainGenerations, generation).ConfigureAwait(false);
        foreach (var chunk in list.Domains.Chunk(1000))
        {
            await db.HashSetAsync(key, chunk.Select(kv => new HashEntry(kv.Key, MailboxEntryCodec.EncodeSubjects(kv.Value))).ToArray()).ConfigureAwait(false);
        }

        await EvalFencedAsync(RedisScripts.SwitchPointer, [Keys.Lock, Keys.DomainsCurrent],
        [
            syncLock.Token,
            CurrentFields.Generation, generation,
            CurrentFields.Domains, list.Domains.Count,
            CurrentFields.Subjects, list.SubjectCount,
            CurrentFields.ListDate, list.GeneratedAt ?? string.Empty,
            CurrentFields.LoadedAt, _time.GetUtcNow().ToUnixTimeSeconds(),
            CurrentFields.Source, source,
        ]).ConfigureAwait(false);
        await PublishAsync("domains:" + generation).ConfigureAwait(false);

        // The list is small and readers fall back to the pointer on a miss: remove the others at once.
        foreach (var member in await db.SetMembersAsync(Keys.DomainGenerations).ConfigureAwait(false))
        {
            if (member.ToString() != generation)
            {
                await db.KeyDeleteAsync(Keys.DomainList(member.ToString())).ConfigureAwait(false);
                await db.SetRemoveAsync(Keys.DomainGenerations, member).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Figures of the run for the gateway to export (hash <c>{prefix}:status</c>).</summary>
    public async Task WriteStatusAsync(bool success, string source, string mode, TimeSpan duration, string? errorComponent, string? error)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var fields = new List<HashEntry>
        {
            new("lastAttemptAt", now),
            new("lastDurationSeconds", duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
            new("lastSource", source),
            new("lastMode", mode),
            new("lastResult", success ? "success" : "failure"),
            new("lastError", error ?? string.Empty),
        };
        if (success)
        {
            fields.Add(new HashEntry("lastSuccessAt", now));
        }

        var db = Db;
        await db.HashSetAsync(Keys.Status, [.. fields]).ConfigureAwait(false);
        if (errorComponent is not null)
        {
            await db.HashIncrementAsync(Keys.Status, "errors:" + errorComponent).ConfigureAwait(false);
        }
    }

    private Task PublishAsync(string message) => _redis.GetSubscriber().PublishAsync(Keys.Events, message);

    private async Task<RedisResult> EvalFencedAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await Db.ScriptEvaluateAsync(script, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("MSSGW_LOCK_LOST", StringComparison.Ordinal))
        {
            throw new DirectorySyncException(SyncFailure.Lock, "lock", "The sync lock was lost before the switch: the live generation was left as it was. Raise DirectorySync:LockLease if runs are slow.", ex);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("MSSGW_GENERATION_CHANGED", StringComparison.Ordinal))
        {
            throw new DirectorySyncException(SyncFailure.Lock, "lock", "The live generation changed during the incremental run (a full sync ran): the next run starts again.", ex);
        }
    }

    private async Task<List<string>> UnseenInBucketAsync(DirectoryPointer live, string run, int bucket)
    {
        var db = Db;
        var present = db.HashKeysAsync(Keys.AddressBucket(live.Generation!, bucket));
        var seen = db.SetMembersAsync(Keys.SweepBucket(run, bucket));
        var seenSet = (await seen.ConfigureAwait(false)).Select(v => v.ToString()).ToHashSet(StringComparer.Ordinal);
        return (await present.ConfigureAwait(false)).Select(v => v.ToString()).Where(a => !seenSet.Contains(a)).ToList();
    }

    private string NewGenerationId() =>
        _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string GenerationEntry(string generation, int buckets) => $"{generation}/{buckets.ToString(CultureInfo.InvariantCulture)}";

    private static (string Generation, int Buckets) ParseGenerationEntry(string entry)
    {
        var slash = entry.LastIndexOf('/');
        return slash > 0 && int.TryParse(entry.AsSpan(slash + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) ? (entry[..slash], b) : (entry, 1024);
    }

    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "Redis: removed generation {Generation}")]
    private static partial void LogRemoved(ILogger logger, string generation);
}
