using System.Collections.Concurrent;
using System.Net;

namespace MssGateway.Smtp;

/// <summary>
/// Offences per client address and the penalty they earn, for the whole engine (every listener): postscreen's
/// temporary blocklist, fail2ban's jail. <see cref="SmtpSessionLifetime"/> records what each session committed
/// (<see cref="SmtpServerLimits.MaxOffencesPerClient"/> says what counts); <see cref="SmtpConnectionLimitMiddleware"/>
/// refuses a penalised address before any handshake or session. The count runs over a fixed window from a
/// client's first offence; a penalty is not extended by the refused connections themselves. The clock is
/// <see cref="TimeProvider"/>; records of clients that have nothing left to count are swept, and the table
/// holds at most <see cref="MaxTrackedClients"/> addresses (past that, new addresses are not counted until a
/// sweep makes room: a flood of spoofed-looking addresses cannot grow it).
/// </summary>
internal sealed class ClientPenalties
{
    /// <summary>Bound of the table (about 100 bytes per address).</summary>
    public const int MaxTrackedClients = 100_000;

    private readonly ConcurrentDictionary<IPAddress, Entry> _clients = new();
    private readonly TimeProvider _time;
    private readonly int _max;
    private readonly long _windowTicks;
    private readonly long _penaltyTicks;
    private readonly bool _exemptLoopback;
    private readonly IPNetwork[] _exempt;
    private long _lastSweep = long.MinValue / 2;

    public ClientPenalties(TimeProvider time, SmtpServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _time = time;
        _max = limits.MaxOffencesPerClient;
        _windowTicks = limits.OffenceWindow.Ticks;
        _penaltyTicks = limits.OffencePenalty.Ticks;
        _exemptLoopback = limits.PenaltyExemptLoopback;
        _exempt = [.. limits.PenaltyExemptNetworks.Select(n => IPNetwork.Parse(n))];
    }

    /// <summary>Addresses with a record (for tests: the table stays bounded).</summary>
    public int TrackedClients => _clients.Count;

    /// <summary>True while <paramref name="client"/> serves a penalty.</summary>
    public bool IsPenalised(IPAddress client)
    {
        if (_max <= 0 || !_clients.TryGetValue(client, out var r))
        {
            return false;
        }

        var now = _time.GetUtcNow().UtcTicks;
        lock (r)
        {
            return r.PenalisedUntil > now;
        }
    }

    /// <summary>
    /// Counts <paramref name="offences"/> committed by <paramref name="client"/>; true when they put the client
    /// under a penalty now (the caller logs and counts it once).
    /// </summary>
    public bool Record(IPAddress client, int offences)
    {
        if (_max <= 0 || offences <= 0 || IsExempt(client))
        {
            return false;
        }

        var now = _time.GetUtcNow().UtcTicks;
        Sweep(now);
        if (!_clients.TryGetValue(client, out var r))
        {
            if (_clients.Count >= MaxTrackedClients)
            {
                return false;
            }

            r = _clients.GetOrAdd(client, static _ => new Entry());
        }

        lock (r)
        {
            if (r.PenalisedUntil > now)
            {
                return false;
            }

            if (now - r.WindowStart >= _windowTicks)
            {
                r.WindowStart = now;
                r.Count = 0;
            }

            r.Count += offences;
            if (r.Count < _max)
            {
                return false;
            }

            r.PenalisedUntil = now + _penaltyTicks;
            r.Count = 0;
            r.WindowStart = r.PenalisedUntil; // the count starts afresh when the penalty ends
            return true;
        }
    }

    private bool IsExempt(IPAddress client)
    {
        if (_exemptLoopback && IPAddress.IsLoopback(client))
        {
            return true;
        }

        foreach (var network in _exempt)
        {
            if (network.Contains(client))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Drops records with nothing left to count: at most once a window, or once a second while the table is
    /// full (a full table is never walked on every offence).
    /// </summary>
    private void Sweep(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        var interval = _clients.Count >= MaxTrackedClients ? Math.Min(_windowTicks, TimeSpan.TicksPerSecond) : _windowTicks;
        if (now - last < interval || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (client, r) in _clients)
        {
            bool spent;
            lock (r)
            {
                spent = r.PenalisedUntil <= now && now - r.WindowStart >= _windowTicks;
            }

            if (spent)
            {
                _clients.TryRemove(new KeyValuePair<IPAddress, Entry>(client, r));
            }
        }
    }

    private sealed class Entry
    {
#pragma warning disable SA1401, CA1051 // guarded by lock(this)
        public long WindowStart = long.MinValue / 2;
        public int Count;
        public long PenalisedUntil;
#pragma warning restore SA1401, CA1051
    }
}
