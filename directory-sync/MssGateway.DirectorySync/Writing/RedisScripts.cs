namespace MssGateway.DirectorySync.Writing;

/// <summary>
/// Lua scripts of the writer. Each touches one key or only control keys (one hash tag), so each
/// runs atomically on a single node, Redis Cluster included.
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS[1] identifier bucket; ARGV id, address. Adds the address to the id's '\n'-list unless present.</summary>
    public const string AppendAddress = """
        local v = redis.call('HGET', KEYS[1], ARGV[1])
        if not v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1 end
        for a in string.gmatch(v, '[^\n]+') do if a == ARGV[2] then return 0 end end
        redis.call('HSET', KEYS[1], ARGV[1], v .. '\n' .. ARGV[2])
        return 1
        """;

    /// <summary>KEYS[1] identifier bucket; ARGV id, address. Removes the address from the id's list (and the field when empty).</summary>
    public const string RemoveAddress = """
        local v = redis.call('HGET', KEYS[1], ARGV[1])
        if not v then return 0 end
        local out = {}
        for a in string.gmatch(v, '[^\n]+') do if a ~= ARGV[2] then table.insert(out, a) end end
        if #out == 0 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], table.concat(out, '\n')) end
        return 1
        """;

    /// <summary>
    /// KEYS[1] lock, KEYS[2] pointer hash; ARGV[1] lock token, ARGV[2..] field/value pairs. The switch:
    /// only while this run holds the lock, replace the whole pointer hash; returns the previous generation.
    /// </summary>
    public const string SwitchPointer = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('MSSGW_LOCK_LOST sync lock expired or taken over') end
        local old = redis.call('HGET', KEYS[2], 'generation')
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[2], unpack(ARGV, 2))
        return old
        """;

    /// <summary>
    /// KEYS[1] lock, KEYS[2] pointer hash; ARGV[1] token, ARGV[2] generation, ARGV[3] syncedAt,
    /// ARGV[4] watermark, then field/delta pairs. Closes an incremental run: counters, time, serial.
    /// </summary>
    public const string CloseIncremental = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('MSSGW_LOCK_LOST sync lock expired or taken over') end
        if redis.call('HGET', KEYS[2], 'generation') ~= ARGV[2] then return redis.error_reply('MSSGW_GENERATION_CHANGED') end
        for i = 5, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
        redis.call('HSET', KEYS[2], 'syncedAt', ARGV[3])
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'watermark', ARGV[4]) end
        return redis.call('HINCRBY', KEYS[2], 'serial', 1)
        """;

    /// <summary>KEYS[1] lock; ARGV token, lease ms. Extends the lease if still ours.</summary>
    public const string RenewLock = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    /// <summary>KEYS[1] lock; ARGV token. Releases the lock if still ours.</summary>
    public const string ReleaseLock = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;
}
