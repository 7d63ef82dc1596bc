using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MssGateway.Directory;
using MssGateway.Directory.Redis;
using MssGateway.DirectorySync.Options;
using MssGateway.DirectorySync.Sources;
using MssGateway.DirectorySync.Writing;
using StackExchange.Redis;

namespace MssGateway.DirectorySync;

/// <summary>
/// One sync run (issue 5): take the lock, remove generations left by killed runs, then either build
/// and switch a new generation (full) or apply the source's changes since the watermark, including
/// deletions (incremental); then refresh the authorised-domain list, keeping the last good one on
/// failure; then remove the replaced generation after <see cref="DirectorySyncOptions.RetireDelay"/>.
/// </summary>
public sealed partial class DirectorySyncRunner
{
    private readonly DirectorySyncOptions _options;
    private readonly IConnectionMultiplexer _redis;
    private readonly DirectorySyncMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RedisDirectoryWriter _writer;

    public DirectorySyncRunner(DirectorySyncOptions options, IConnectionMultiplexer redis, DirectorySyncMetrics metrics, ILogger logger, TimeProvider? time = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? TimeProvider.System;
        _writer = new RedisDirectoryWriter(redis, new RedisDirectoryKeys(options.Redis.KeyPrefix), logger, _time);
    }

    private string SourceLabel => _options.Source == DirectorySource.Ldap ? "ldap" : "flatfile";

    public async Task<SyncRunResult> RunOnceAsync(SyncMode? modeOverride, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var mode = "full";
        (string Generation, int Buckets)? retire = null;
        SyncRunResult result;
        try
        {
            await using (var syncLock = await WithRedis(() => _writer.LockAsync(_options.LockLease, _options.LockTimeout, cancellationToken)).ConfigureAwait(false))
            {
                var live = await WithRedis(_writer.ReadPointerAsync).ConfigureAwait(false);
                var orphans = await WithRedis(() => _writer.RemoveGenerationsExceptAsync(live.Generation)).ConfigureAwait(false);
                if (orphans > 0)
                {
                    LogOrphans(_logger, orphans);
                }

                mode = ChooseMode(modeOverride ?? _options.Mode, live);
                LogStart(_logger, SourceLabel, mode, live.Generation ?? "(none)");
                _metrics.Progress.Begin(SourceLabel, "entries", static () => null);
                result = mode == "full"
                    ? await FullAsync(syncLock, live, cancellationToken).ConfigureAwait(false)
                    : await IncrementalAsync(syncLock, live, cancellationToken).ConfigureAwait(false);
                if (mode == "full" && live.Generation is not null)
                {
                    retire = (live.Generation, live.Buckets);
                }

                result = await RefreshDomainsAsync(syncLock, result, cancellationToken).ConfigureAwait(false);
                result = result with { Duration = clock.Elapsed };
                _metrics.Live(await WithRedis(_writer.ReadPointerAsync).ConfigureAwait(false));
                var domainError = result.DomainListFailure;
                await WithRedis(() => _writer.WriteStatusAsync(domainError is null, SourceLabel, mode, clock.Elapsed, domainError?.Component, domainError?.Message)).ConfigureAwait(false);
            }
        }
        catch (DirectorySyncException ex)
        {
            _metrics.Progress.End(succeeded: false);
            _metrics.Error(ex.Component);
            _metrics.Failure(SourceLabel, mode, clock.Elapsed);
            await TryWriteFailureAsync(mode, clock.Elapsed, ex).ConfigureAwait(false);
            throw;
        }

        _metrics.Progress.End(succeeded: result.DomainListFailure is null);
        if (result.DomainListFailure is null)
        {
            _metrics.Success(SourceLabel, mode, result.Duration, _time.GetUtcNow());
        }
        else
        {
            _metrics.Failure(SourceLabel, mode, result.Duration);
        }

        LogDone(_logger, SourceLabel, mode, result.Generation, result.Mailboxes, result.Read, result.Duplicates, result.Rejected, result.Deleted, result.Duration.TotalSeconds);
        if (retire is { } old)
        {
            // Readers may still hold the old pointer for up to their refresh interval; they re-read it on a miss anyway.
            await Task.Delay(_options.RetireDelay, cancellationToken).ConfigureAwait(false);
            await WithRedis(() => _writer.RetireGenerationAsync(old.Generation, old.Buckets)).ConfigureAwait(false);
        }

        return result;
    }

    private string ChooseMode(SyncMode mode, DirectoryPointer live)
    {
        if (mode == SyncMode.Full || _options.Source == DirectorySource.FlatFile || live.Generation is null || live.Source != SourceLabel)
        {
            return "full";
        }

        if (live.Watermark is null)
        {
            return "full"; // the source gave no modifyTimestamp: changes cannot be asked for
        }

        if (mode == SyncMode.Incremental)
        {
            return "incremental";
        }

        return live.FullSyncAt is { } full && _time.GetUtcNow() - full < _options.FullSyncInterval ? "incremental" : "full";
    }

    private async Task<SyncRunResult> FullAsync(SyncLock syncLock, DirectoryPointer live, CancellationToken cancellationToken)
    {
        var builder = await WithRedis(() => _writer.BeginGenerationAsync(_options.Buckets)).ConfigureAwait(false);
        var switched = false;
        try
        {
            long read = 0;
            long rejected;
            string? watermark = null;
            var throttle = Stopwatch.StartNew();
            if (_options.Source == DirectorySource.Ldap)
            {
                using var ldap = new LdapMailboxSource(_options.Ldap, _logger);
                ldap.Connect();
                // The server's size estimate when it gives one, else the live generation's count (a re-sync reads about as many).
                var progress = _metrics.Progress;
                progress.Begin("ldap", "entries", () => (ldap.EstimatedTotal ?? live.Mailboxes) is > 0 and var total ? (progress.EntriesRead, total) : null);
                read = await PumpAsync(ldap.ReadAsync(null, cancellationToken), batch => builder.AddBatchAsync(batch), syncLock, throttle, overlap: true, cancellationToken).ConfigureAwait(false);
                rejected = ldap.RejectedEntries;
                watermark = ldap.MaxModifyTimestamp;
            }
            else
            {
                var file = new ExtractionCorrespondanceReader(_options.FlatFile.Path);
                _metrics.Progress.Begin("flatfile", "bytes", () => file.TotalBytes > 0 ? (file.BytesRead, file.TotalBytes) : null);
                read = await PumpAsync(file.ReadAsync(cancellationToken), batch => builder.AddBatchAsync(batch), syncLock, throttle, overlap: true, cancellationToken).ConfigureAwait(false);
                rejected = file.RejectedLines;
            }

            var total = builder.Counts.Total;
            if (live.Generation is not null && total < live.Mailboxes * (1 - _options.MaxShrinkRatio))
            {
                throw new DirectorySyncException(SyncFailure.Source, SourceLabel, $"The {SourceLabel} source gave {total} mailboxes where the live directory has {live.Mailboxes}: more than DirectorySync:MaxShrinkRatio ({_options.MaxShrinkRatio}) would vanish, so the live generation was kept. Check the source (filter, truncated file), or set MaxShrinkRatio to 1 for this run.");
            }

            await syncLock.KeepAliveAsync().ConfigureAwait(false);
            await WithRedis(() => _writer.SwitchAsync(syncLock, builder, SourceLabel, watermark)).ConfigureAwait(false);
            switched = true;
            return new SyncRunResult { Mode = "full", Source = SourceLabel, Generation = builder.Generation, Mailboxes = total, Read = read, Duplicates = builder.Duplicates, Rejected = rejected };
        }
        finally
        {
            if (!switched)
            {
                await TryRemoveAsync(builder).ConfigureAwait(false);
            }
        }
    }

    private async Task<SyncRunResult> IncrementalAsync(SyncLock syncLock, DirectoryPointer live, CancellationToken cancellationToken)
    {
        var since = LdapMailboxSource.ParseGeneralizedTime(live.Watermark)!.Value - _options.Ldap.IncrementalOverlap;
        var delta = new SyncCounts();
        using var ldap = new LdapMailboxSource(_options.Ldap, _logger);
        ldap.Connect();
        var throttle = Stopwatch.StartNew();
        var read = await PumpAsync(ldap.ReadAsync(since, cancellationToken), batch => _writer.ApplyUpsertsAsync(live, batch, delta), syncLock, throttle, overlap: false, cancellationToken).ConfigureAwait(false);
        var afterUpserts = delta.Total;
        long deleted = 0;
        if (_options.Ldap.DetectDeletions)
        {
            var run = Guid.NewGuid().ToString("N");
            var touched = new bool[live.Buckets];
            long listed = 0;
            var batch = new List<string>(_options.BatchSize);
            await foreach (var address in ldap.ReadAddressesAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Add(address);
                listed++;
                if (batch.Count >= _options.BatchSize)
                {
                    await WithRedis(() => _writer.MarkSeenAsync(run, live.Buckets, batch, touched)).ConfigureAwait(false);
                    batch.Clear();
                    await syncLock.KeepAliveAsync().ConfigureAwait(false);
                }
            }

            await WithRedis(() => _writer.MarkSeenAsync(run, live.Buckets, batch, touched)).ConfigureAwait(false);
            var expected = live.Mailboxes + afterUpserts;
            if (listed < expected * (1 - _options.MaxShrinkRatio))
            {
                throw new DirectorySyncException(SyncFailure.Source, "ldap", $"The LDAP source lists {listed} addresses where the live directory has {expected}: more than DirectorySync:MaxShrinkRatio ({_options.MaxShrinkRatio}) would be deleted, so no deletion was applied. Check DirectorySync:Ldap:Filter and BaseDn.");
            }

            await WithRedis(() => _writer.SweepAsync(live, run, delta, syncLock)).ConfigureAwait(false);
            deleted = afterUpserts - delta.Total;
        }

        var watermark = Max(live.Watermark, ldap.MaxModifyTimestamp);
        await WithRedis(() => _writer.CloseIncrementalAsync(syncLock, live, delta, watermark)).ConfigureAwait(false);
        return new SyncRunResult { Mode = "incremental", Source = "ldap", Generation = live.Generation!, Mailboxes = live.Mailboxes + delta.Total, Read = read, Rejected = ldap.RejectedEntries, Deleted = deleted };
    }

    private async Task<SyncRunResult> RefreshDomainsAsync(SyncLock syncLock, SyncRunResult result, CancellationToken cancellationToken)
    {
        if (!_options.AuthorisedDomains.Enabled)
        {
            return result;
        }

        var loader = new AuthorisedDomainListLoader(_options.AuthorisedDomains);
        try
        {
            var list = await loader.LoadAsync(cancellationToken).ConfigureAwait(false);
            await syncLock.KeepAliveAsync().ConfigureAwait(false);
            await WithRedis(() => _writer.WriteAuthorisedDomainsAsync(syncLock, list, _options.AuthorisedDomains.Url is null ? "file" : "url")).ConfigureAwait(false);
            LogDomains(_logger, list.Domains.Count, list.SubjectCount, list.GeneratedAt ?? "?");
            return result with { AuthorisedDomains = list.Domains.Count };
        }
        catch (DirectorySyncException ex) when (ex.Component == "domains")
        {
            _metrics.Error("domains");
            LogDomainsFailed(_logger, ex.Message);
            return result with { DomainListFailure = ex };
        }
    }

    /// <summary>
    /// Reads the source into batches and writes them. With <paramref name="overlap"/>, the next batch
    /// is read and sent while the previous one is still in flight (full syncs only: incremental
    /// batches read before they write and must not interleave).
    /// </summary>
    private async Task<long> PumpAsync(IAsyncEnumerable<SourceRecord> records, Func<IReadOnlyList<MailboxEntry>, Task> write, SyncLock syncLock, Stopwatch throttle, bool overlap, CancellationToken cancellationToken)
    {
        long read = 0;
        var batch = new List<MailboxEntry>(_options.BatchSize);
        Task pending = Task.CompletedTask;
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(record.Entry with { LastSync = _time.GetUtcNow() });
            read++;
            _metrics.EntriesRead(SourceLabel, 1);
            if (batch.Count >= _options.BatchSize)
            {
                var sent = batch;
                batch = new List<MailboxEntry>(_options.BatchSize);
                await WithRedis(() => pending).ConfigureAwait(false);
                pending = write(sent);
                if (!overlap)
                {
                    await WithRedis(() => pending).ConfigureAwait(false);
                }

                await syncLock.KeepAliveAsync().ConfigureAwait(false);
                if (read % 100_000 < _options.BatchSize)
                {
                    LogProgress(_logger, _metrics.Progress.Describe());
                }

                if (_options.MaxEntriesPerSecond > 0)
                {
                    var due = TimeSpan.FromSeconds((double)read / _options.MaxEntriesPerSecond) - throttle.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        await WithRedis(() => pending).ConfigureAwait(false);
        if (batch.Count > 0)
        {
            await WithRedis(() => write(batch)).ConfigureAwait(false);
        }

        return read;
    }

    private async Task TryRemoveAsync(GenerationBuilder builder)
    {
        try
        {
            await _writer.RetireGenerationAsync(builder.Generation, builder.Buckets).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            // The next run removes it (it stays in the generations registry).
            LogCleanupFailed(_logger, builder.Generation, ex.Message);
        }
    }

    private async Task TryWriteFailureAsync(string mode, TimeSpan duration, DirectorySyncException ex)
    {
        if (ex.Failure == SyncFailure.Redis)
        {
            return;
        }

        try
        {
            await _writer.WriteStatusAsync(false, SourceLabel, mode, duration, ex.Component, ex.Message).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Nothing more to do: the failure is in the exit code and the log.
        }
    }

    private static string? Max(string? a, string? b) => a is null ? b : b is null ? a : string.CompareOrdinal(a, b) >= 0 ? a : b;

    private async Task<T> WithRedis<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RedisException ex) when (ex is not RedisServerException || !ex.Message.StartsWith("MSSGW_", StringComparison.Ordinal))
        {
            throw new DirectorySyncException(SyncFailure.Redis, "redis", $"Redis failed ({ex.GetType().Name}: {ex.Message}). Check DirectorySync:Redis:Configuration, User, PasswordFile and Tls. The live generation was left as it was.", ex);
        }
    }

    private async Task WithRedis(Func<Task> action) => await WithRedis(async () =>
    {
        await action().ConfigureAwait(false);
        return true;
    }).ConfigureAwait(false);

    [LoggerMessage(EventId = 5400, Level = LogLevel.Information, Message = "Sync: {Source} {Mode} run starts (live generation {Generation})")]
    private static partial void LogStart(ILogger logger, string source, string mode, string generation);

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Sync: {Source} {Mode} run done: generation {Generation}, {Mailboxes} mailboxes, {Read} read, {Duplicates} duplicates, {Rejected} rejected, {Deleted} deleted, {Seconds:0.0} s")]
    private static partial void LogDone(ILogger logger, string source, string mode, string generation, long mailboxes, long read, long duplicates, long rejected, long deleted, double seconds);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Information, Message = "Sync: removed {Count} generation(s) left by interrupted runs")]
    private static partial void LogOrphans(ILogger logger, int count);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Information, Message = "Sync: authorised-domain list loaded: {Domains} domains, {Subjects} operator certificate subjects, generated {Date}")]
    private static partial void LogDomains(ILogger logger, int domains, int subjects, string date);

    [LoggerMessage(EventId = 5404, Level = LogLevel.Error, Message = "Sync: authorised-domain list not refreshed: {Error}")]
    private static partial void LogDomainsFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5406, Level = LogLevel.Information, Message = "Sync progress: {Progress}")]
    private static partial void LogProgress(ILogger logger, string progress);

    [LoggerMessage(EventId = 5405, Level = LogLevel.Warning, Message = "Sync: could not remove unfinished generation {Generation}: {Error}")]
    private static partial void LogCleanupFailed(ILogger logger, string generation, string error);
}
