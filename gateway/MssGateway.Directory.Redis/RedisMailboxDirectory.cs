using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MssGateway.Directory.Redis;

/// <summary>
/// The gateway's read side of the Redis directory mirror (DESIGN.md §3 "Directory in Redis").
/// Every lookup is O(1): one HGET on the bucket of the address (or identifier) in the live generation.
/// A small local cache is cleared whenever the live data changes: directory-sync publishes on the
/// events channel, and the pointer is re-read every <see cref="RedisDirectoryOptions.PointerRefreshInterval"/>
/// in case a message was lost. A miss re-reads the pointer once, so a reader that still held a
/// generation being retired never answers from half of it.
/// </summary>
/// <remarks>Lookups throw <see cref="DirectoryUnavailableException"/> when Redis is unreachable or times out
/// (the caller answers with a temporary failure): no StackExchange.Redis type leaves this class.
/// <see cref="GetStatusAsync"/> never throws.</remarks>
public sealed partial class RedisMailboxDirectory : IMailboxDirectory, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisDirectoryOptions _options;
    private readonly RedisDirectoryKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CacheItem> _cache = new(StringComparer.Ordinal);
    private readonly bool _ownsConnection;
    private DirectoryPointer _pointer = DirectoryPointer.Empty;
    private long _pointerReadAt = long.MinValue;
    private string? _lastError;
    private long _lastPrune;
    private int _cacheCount; // ConcurrentDictionary.Count takes every lock: keep our own approximate count
    private OperatorSubjects? _operatorSubjects;

    public RedisMailboxDirectory(IConnectionMultiplexer redis, RedisDirectoryOptions options, TimeProvider? time = null, ILogger<RedisMailboxDirectory>? logger = null, bool ownsConnection = false)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _keys = new RedisDirectoryKeys(options.KeyPrefix);
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsConnection = ownsConnection;
        Subscription = SubscribeAsync();
    }

    /// <summary>Completes once the events-channel subscription is in place (or has failed and been logged); never faults.</summary>
    public Task Subscription { get; }

    /// <summary>The pointer as last read (for metrics).</summary>
    public DirectoryPointer LastPointer => Volatile.Read(ref _pointer);

    public async ValueTask<MailboxEntry?> FindByAddressAsync(string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        try
        {
            return await FindByAddressCoreAsync(address).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async ValueTask<MailboxEntry?> FindByAddressCoreAsync(string address)
    {
        var key = AddressKey.Normalise(address);
        var pointer = await PointerAsync(force: false).ConfigureAwait(false);
        if (TryCache("a:" + key, pointer, out var cached))
        {
            return (MailboxEntry?)cached;
        }

        var entry = await ReadEntryAsync(pointer, key).ConfigureAwait(false);
        if (entry is null)
        {
            var fresh = await PointerAsync(force: true).ConfigureAwait(false);
            if (fresh.Generation != pointer.Generation)
            {
                pointer = fresh;
                entry = await ReadEntryAsync(pointer, key).ConfigureAwait(false);
            }
        }

        Remember("a:" + key, pointer, entry);
        return entry;
    }

    public async ValueTask<IReadOnlyList<MailboxEntry>> FindByNationalIdentifierAsync(string nationalIdentifier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nationalIdentifier);
        try
        {
            return await FindByNationalIdentifierCoreAsync(nationalIdentifier).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async ValueTask<IReadOnlyList<MailboxEntry>> FindByNationalIdentifierCoreAsync(string nationalIdentifier)
    {
        var id = nationalIdentifier.Trim();
        var pointer = await PointerAsync(force: false).ConfigureAwait(false);
        if (TryCache("i:" + id, pointer, out var cached))
        {
            return (IReadOnlyList<MailboxEntry>)cached!;
        }

        var found = await ReadByIdentifierAsync(pointer, id).ConfigureAwait(false);
        if (found is null)
        {
            var fresh = await PointerAsync(force: true).ConfigureAwait(false);
            if (fresh.Generation != pointer.Generation)
            {
                pointer = fresh;
                found = await ReadByIdentifierAsync(pointer, id).ConfigureAwait(false);
            }
        }

        IReadOnlyList<MailboxEntry> result = found ?? [];
        Remember("i:" + id, pointer, result);
        return result;
    }

    public async ValueTask<AuthorisedDomain?> FindAuthorisedDomainAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        try
        {
            return await FindAuthorisedDomainCoreAsync(domain).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async ValueTask<AuthorisedDomain?> FindAuthorisedDomainCoreAsync(string domain)
    {
        var name = AddressKey.NormaliseDomain(domain);
        var pointer = await PointerAsync(force: false).ConfigureAwait(false);
        if (TryCache("d:" + name, pointer, out var cached))
        {
            return (AuthorisedDomain?)cached;
        }

        var found = await ReadDomainAsync(pointer, name).ConfigureAwait(false);
        if (found is null)
        {
            var fresh = await PointerAsync(force: true).ConfigureAwait(false);
            if (fresh.DomainGeneration != pointer.DomainGeneration)
            {
                pointer = fresh;
                found = await ReadDomainAsync(pointer, name).ConfigureAwait(false);
            }
        }

        Remember("d:" + name, pointer, found);
        return found;
    }

    public async ValueTask<IReadOnlyCollection<string>> GetOperatorCertificateSubjectsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GetOperatorCertificateSubjectsCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async ValueTask<IReadOnlyCollection<string>> GetOperatorCertificateSubjectsCoreAsync()
    {
        var pointer = await PointerAsync(force: false).ConfigureAwait(false);
        if (pointer.DomainGeneration is null)
        {
            return [];
        }

        var cached = Volatile.Read(ref _operatorSubjects);
        if (cached is not null && cached.Generation == pointer.DomainGeneration)
        {
            return cached.Subjects;
        }

        // One HVALS per liste blanche generation (it changes about daily; ~6,500 fields, ~400 distinct DNs).
        var values = await _redis.GetDatabase().HashValuesAsync(_keys.DomainList(pointer.DomainGeneration)).ConfigureAwait(false);
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            if (!v.IsNull)
            {
                subjects.UnionWith(MailboxEntryCodec.DecodeSubjects(v.ToString()));
            }
        }

        var fresh = new OperatorSubjects(pointer.DomainGeneration, subjects.ToFrozenSet(StringComparer.Ordinal));
        Volatile.Write(ref _operatorSubjects, fresh);
        return fresh.Subjects;
    }

    public async ValueTask<DirectoryStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        DirectoryPointer pointer;
        try
        {
            pointer = await PointerAsync(force: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            var last = LastPointer;
            return new DirectoryStatus
            {
                Reachable = false,
                LastSuccessfulSync = last.SyncedAt,
                Generation = last.Generation,
                MailboxCount = last.Generation is null ? null : last.Mailboxes,
                Error = "Redis unreachable: " + ex.Message,
            };
        }

        string? error = null;
        if (pointer.Generation is null)
        {
            error = "no directory generation in Redis yet: run mssgw-directory-sync";
        }
        else if (pointer.SyncedAt is { } synced && _time.GetUtcNow() - synced > _options.MaxAge)
        {
            error = $"directory is stale: last successful sync {synced:O} is older than MaxAge {_options.MaxAge}";
        }

        return new DirectoryStatus
        {
            Reachable = true,
            LastSuccessfulSync = pointer.SyncedAt,
            Generation = pointer.Generation is null ? null : $"{pointer.Generation}:{pointer.Serial}",
            MailboxCount = pointer.Generation is null ? null : pointer.Mailboxes,
            Error = error,
        };
    }

    /// <summary>Drops the cache and re-reads the pointer at the next lookup (what a pub/sub message does).</summary>
    public void Invalidate()
    {
        Interlocked.Exchange(ref _pointerReadAt, long.MinValue);
        ClearCache();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _redis.GetSubscriber().UnsubscribeAsync(_keys.Events).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            LogSubscribeFailed(_logger, ex.Message);
        }

        if (_ownsConnection)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(_keys.Events, (_, _) => Invalidate()).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            // The periodic pointer refresh still notices new generations; StackExchange.Redis resubscribes on reconnect.
            LogSubscribeFailed(_logger, ex.Message);
        }
    }

    private async ValueTask<DirectoryPointer> PointerAsync(bool force)
    {
        var now = _time.GetTimestamp();
        var readAt = Interlocked.Read(ref _pointerReadAt);
        if (!force && readAt != long.MinValue && _time.GetElapsedTime(readAt, now) < _options.PointerRefreshInterval)
        {
            return Volatile.Read(ref _pointer);
        }

        DirectoryPointer fresh;
        try
        {
            fresh = await DirectoryPointer.ReadAsync(_redis.GetDatabase(), _keys).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            if (_lastError != ex.Message)
            {
                _lastError = ex.Message;
                LogPointerFailed(_logger, ex.Message);
            }

            throw;
        }

        _lastError = null;
        var previous = Interlocked.Exchange(ref _pointer, fresh);
        Interlocked.Exchange(ref _pointerReadAt, now);
        if (previous.Stamp != fresh.Stamp)
        {
            ClearCache();
            if (previous.Generation != fresh.Generation && fresh.Generation is not null)
            {
                LogGeneration(_logger, fresh.Generation, fresh.Mailboxes);
            }
        }

        return fresh;
    }

    private async Task<MailboxEntry?> ReadEntryAsync(DirectoryPointer pointer, string address)
    {
        if (pointer.Generation is null || pointer.Buckets <= 0)
        {
            return null;
        }

        var bucket = RedisDirectoryKeys.BucketOf(address, pointer.Buckets);
        var json = await _redis.GetDatabase().HashGetAsync(_keys.AddressBucket(pointer.Generation, bucket), address).ConfigureAwait(false);
        return json.IsNull ? null : MailboxEntryCodec.Decode(json.ToString());
    }

    private async Task<IReadOnlyList<MailboxEntry>?> ReadByIdentifierAsync(DirectoryPointer pointer, string id)
    {
        if (pointer.Generation is null || pointer.Buckets <= 0)
        {
            return null;
        }

        var db = _redis.GetDatabase();
        var list = await db.HashGetAsync(_keys.IdentifierBucket(pointer.Generation, RedisDirectoryKeys.BucketOf(id, pointer.Buckets)), id).ConfigureAwait(false);
        if (list.IsNull)
        {
            return null;
        }

        var addresses = list.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var reads = addresses.Select(a => ReadEntryAsync(pointer, a)).ToArray();
        var entries = await Task.WhenAll(reads).ConfigureAwait(false);
        var found = entries.Where(e => e is not null).Select(e => e!).ToArray();
        return found.Length == 0 ? null : found;
    }

    private async Task<AuthorisedDomain?> ReadDomainAsync(DirectoryPointer pointer, string name)
    {
        if (pointer.DomainGeneration is null)
        {
            return null;
        }

        var json = await _redis.GetDatabase().HashGetAsync(_keys.DomainList(pointer.DomainGeneration), name).ConfigureAwait(false);
        return json.IsNull ? null : new AuthorisedDomain { Domain = name, OperatorCertificateSubjects = MailboxEntryCodec.DecodeSubjects(json.ToString()) };
    }

    private bool TryCache(string key, DirectoryPointer pointer, out object? value)
    {
        value = null;
        if (_options.CacheSize == 0 || !_cache.TryGetValue(key, out var item))
        {
            return false;
        }

        if (item.Stamp != pointer.Stamp || _time.GetTimestamp() > item.ExpiresAt)
        {
            if (_cache.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _cacheCount);
            }

            return false;
        }

        value = item.Value;
        return true;
    }

    private void Remember(string key, DirectoryPointer pointer, object? value)
    {
        if (_options.CacheSize == 0)
        {
            return;
        }

        if (Volatile.Read(ref _cacheCount) >= _options.CacheSize)
        {
            // Bounded without an LRU: when full, drop expired answers at most once per TTL, and
            // otherwise just do not cache (a generation change clears everything anyway).
            var now = _time.GetTimestamp();
            var last = Interlocked.Read(ref _lastPrune);
            if (_time.GetElapsedTime(last, now) < _options.CacheTtl || Interlocked.CompareExchange(ref _lastPrune, now, last) != last)
            {
                return;
            }

            foreach (var (k, item) in _cache)
            {
                if (now > item.ExpiresAt && _cache.TryRemove(k, out _))
                {
                    Interlocked.Decrement(ref _cacheCount);
                }
            }

            if (Volatile.Read(ref _cacheCount) >= _options.CacheSize)
            {
                return;
            }
        }

        var expires = _time.GetTimestamp() + (long)(_options.CacheTtl.TotalSeconds * _time.TimestampFrequency);
        var fresh = new CacheItem(value, pointer.Stamp, expires);
        if (_cache.TryAdd(key, fresh))
        {
            Interlocked.Increment(ref _cacheCount);
        }
        else
        {
            _cache[key] = fresh;
        }
    }

    private void ClearCache()
    {
        _cache.Clear();
        Volatile.Write(ref _cacheCount, 0);
    }

    /// <summary>
    /// What StackExchange.Redis throws when the server cannot answer: <see cref="RedisException"/> (connection,
    /// server error) and <see cref="TimeoutException"/> (<c>RedisTimeoutException</c> derives from it, not
    /// from RedisException).
    /// </summary>
    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException;

    private static DirectoryUnavailableException Unavailable(Exception ex) => new("Redis directory unavailable: " + ex.Message, ex);

    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Directory: subscription to the Redis events channel failed: {Error}")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Directory: reading the live generation from Redis failed: {Error}")]
    private static partial void LogPointerFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Directory: live generation is now {Generation} ({Mailboxes} mailboxes)")]
    private static partial void LogGeneration(ILogger logger, string generation, long mailboxes);

    private sealed record CacheItem(object? Value, string Stamp, long ExpiresAt);

    private sealed record OperatorSubjects(string Generation, FrozenSet<string> Subjects);
}
