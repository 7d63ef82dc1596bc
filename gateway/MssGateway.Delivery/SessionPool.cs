namespace MssGateway.Delivery;

/// <summary>
/// The open sessions of one destination (Postfix's connection cache), idle or in use. A pass takes,
/// in this order: the warmest idle session (the most recently used, so in a lull the others age
/// out); a new connection while the destination has fewer than its window; a session in use that
/// pipelines and has room behind its transactions (<see cref="DeliveryOptions.PipelineDepth"/>); and
/// when none of these is left, it waits for one of the window's connections (pipelining on) or opens
/// one more (pipelining off, or no connection to wait for). An idle session that received octets nobody asked
/// for is out of step and closed, not taken (<see cref="OutboundSession.CheckIdleInput"/>). A session carries at most
/// <see cref="DeliveryOptions.MaxMessagesPerConnection"/> transactions and takes none once older than
/// <see cref="DeliveryOptions.MaxConnectionAge"/> or broken; an idle one is closed after
/// <see cref="DeliveryOptions.ConnectionIdleTimeout"/> (a remote Postfix gives each connection a
/// process). The pool never talks on a session: the last user of a session that may carry no more
/// closes it (QUIT).
/// </summary>
internal sealed class SessionPool
{
    private readonly Lock _lock = new();
    private readonly List<OutboundSession> _open = []; // in order of last release, most recent last
    private int _opening;
    private readonly List<TaskCompletionSource> _waiters = [];

    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _open.Count(s => s.Users == 0);
            }
        }
    }

    /// <summary>
    /// A session to send on, or null when the caller is to open a new one (it then calls
    /// <see cref="Opened"/> with the outcome, whatever it is). Idle sessions found too old are removed
    /// and added to <paramref name="expired"/> for the caller to close. With pipelining on, a pass that
    /// finds the window's connections all busy and none with room waits for one of them (being opened,
    /// or in use) rather than open one more than the window.
    /// </summary>
    public async ValueTask<OutboundSession?> TakeAsync(TimeProvider time, DeliveryOptions options, Destination destination, List<OutboundSession> expired, CancellationToken ct)
    {
        while (true)
        {
            TaskCompletionSource wait;
            lock (_lock)
            {
                if (TryTake(time.GetUtcNow(), options, destination.Limit, expired, out var session))
                {
                    return session;
                }

                wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(wait);
            }

            await wait.Task.WaitAsync(ct);
        }
    }

    /// <summary>Under the lock: true with a session, or with null when the caller is to open one; false when it is to wait.</summary>
    private bool TryTake(DateTimeOffset now, DeliveryOptions options, int connectionLimit, List<OutboundSession> expired, out OutboundSession? taken)
    {
        taken = null;
        for (var i = _open.Count - 1; i >= 0; i--)
        {
            var session = _open[i];
            if (session.Users > 0)
            {
                continue;
            }

            if (CanCarryMore(session, now, options) && now - session.LastUsedAt < options.ConnectionIdleTimeout && !session.CheckIdleInput())
            {
                taken = Claim(session);
                return true;
            }

            _open.RemoveAt(i);
            expired.Add(session);
        }

        if (_open.Count + _opening >= connectionLimit && options.PipelineDepth > 1)
        {
            // The window's connections are busy: behind the transaction of the one with the fewest in flight.
            OutboundSession? best = null;
            foreach (var session in _open)
            {
                if (session.Users < options.PipelineDepth && session.CanPipeline && CanCarryMore(session, now, options) && (best is null || session.Users < best.Users))
                {
                    best = session;
                }
            }

            if (best is not null)
            {
                taken = Claim(best);
                return true;
            }

            if (_opening > 0 || _open.Count > 0)
            {
                return false; // one of them will be opened or released: Signal wakes the waiters
            }
        }

        _opening++;
        return true;
    }

    /// <summary>Counts a connection about to be opened without looking at the open ones (a retry on a fresh connection); settled by <see cref="Opened"/>.</summary>
    public void ReserveOpen()
    {
        lock (_lock)
        {
            _opening++;
        }
    }

    /// <summary>The outcome of an open that <see cref="TryTake"/> asked for: the new session (in use by the caller), or null.</summary>
    public void Opened(OutboundSession? session)
    {
        lock (_lock)
        {
            _opening--;
            if (session is not null)
            {
                _open.Add(session);
                Claim(session);
            }

            Signal();
        }
    }

    /// <summary>
    /// The caller is done with the session. True when the caller is to close it: it was the last user
    /// and the session may carry no more (broken, at its transaction limit, too old). A session still
    /// in use is left to its last user; an idle one that may carry more stays for the next transaction.
    /// </summary>
    public bool Release(OutboundSession session, DateTimeOffset now, DeliveryOptions options)
    {
        lock (_lock)
        {
            session.LastUsedAt = now;
            session.Users--;
            Signal();
            if (session.Users > 0)
            {
                return false;
            }

            _open.Remove(session);
            if (CanCarryMore(session, now, options))
            {
                _open.Add(session); // most recent last, for the warmest-first take
                return false;
            }

            return true;
        }
    }

    /// <summary>Removes the sessions idle for too long or too old (oldest first in the list).</summary>
    public void Sweep(DateTimeOffset now, DeliveryOptions options, List<OutboundSession> expired)
    {
        lock (_lock)
        {
            for (var i = _open.Count - 1; i >= 0; i--)
            {
                var s = _open[i];
                if (s.Users == 0 && (!CanCarryMore(s, now, options) || now - s.LastUsedAt >= options.ConnectionIdleTimeout))
                {
                    expired.Add(s);
                    _open.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Takes the idle sessions out (shutdown: the caller closes them); sessions in use are closed by their users.</summary>
    public void TakeAll(List<OutboundSession> into)
    {
        lock (_lock)
        {
            for (var i = _open.Count - 1; i >= 0; i--)
            {
                if (_open[i].Users == 0)
                {
                    into.Add(_open[i]);
                    _open.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Under the lock: the passes waiting for a session look again (outside the lock, on their own continuations).</summary>
    private void Signal()
    {
        if (_waiters.Count > 0)
        {
            foreach (var w in _waiters)
            {
                w.TrySetResult();
            }

            _waiters.Clear();
        }
    }

    private static OutboundSession Claim(OutboundSession session)
    {
        session.Users++;
        session.Claims++;
        return session;
    }

    private static bool CanCarryMore(OutboundSession session, DateTimeOffset now, DeliveryOptions options) =>
        !session.IsBroken && !session.IsRetired && session.Claims < options.MaxMessagesPerConnection && now - session.OpenedAt < options.MaxConnectionAge;
}
