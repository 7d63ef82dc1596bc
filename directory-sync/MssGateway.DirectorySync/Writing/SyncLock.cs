using System.Diagnostics;
using MssGateway.Directory.Redis;
using StackExchange.Redis;

namespace MssGateway.DirectorySync.Writing;

/// <summary>
/// The single-writer lease (key <c>{prefix}:lock</c>): SET NX PX with a random token, renewed while
/// the run progresses; a killed run frees it when the lease ends. The generation switch checks the
/// token in the same script, so a run that lost its lease can never switch the pointer.
/// </summary>
public sealed class SyncLock : IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly RedisDirectoryKeys _keys;
    private readonly TimeSpan _lease;
    private readonly Stopwatch _sinceRenewal = Stopwatch.StartNew();

    private SyncLock(IDatabase db, RedisDirectoryKeys keys, string token, TimeSpan lease)
    {
        _db = db;
        _keys = keys;
        Token = token;
        _lease = lease;
    }

    public string Token { get; }

    public static async Task<SyncLock> AcquireAsync(IDatabase db, RedisDirectoryKeys keys, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        var token = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await db.StringSetAsync(keys.Lock, token, lease, When.NotExists).ConfigureAwait(false))
            {
                return new SyncLock(db, keys, token, lease);
            }

            if (waited.Elapsed >= wait)
            {
                var holder = await db.StringGetAsync(keys.Lock).ConfigureAwait(false);
                throw new DirectorySyncException(SyncFailure.Lock, "lock", $"Another directory sync ({holder}) holds the lock {keys.Lock} after waiting {wait}: let it finish, or raise DirectorySync:LockTimeout.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Renews the lease when a third of it has passed; throws when the lock was lost.</summary>
    public async Task KeepAliveAsync()
    {
        if (_sinceRenewal.Elapsed < _lease / 3)
        {
            return;
        }

        var ok = (long)await _db.ScriptEvaluateAsync(RedisScripts.RenewLock, [_keys.Lock], [Token, (long)_lease.TotalMilliseconds]).ConfigureAwait(false);
        if (ok != 1)
        {
            throw new DirectorySyncException(SyncFailure.Lock, "lock", $"The sync lock {_keys.Lock} was lost ({_sinceRenewal.Elapsed.TotalSeconds:0} s since the last renewal, lease DirectorySync:LockLease {_lease}): nothing was switched; raise LockLease if Redis or the source is slow.");
        }

        _sinceRenewal.Restart();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _db.ScriptEvaluateAsync(RedisScripts.ReleaseLock, [_keys.Lock], [Token]).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // The lease expires by itself.
        }
    }
}
