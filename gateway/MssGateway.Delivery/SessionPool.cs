namespace MssGateway.Delivery;

/// <summary>
/// The idle sessions of one destination (Postfix's connection cache). The most recently used session
/// is taken first, so in a lull the others age out. A session goes back only while it may carry more:
/// not broken, under <see cref="DeliveryOptions.MaxMessagesPerConnection"/> transactions and younger
/// than <see cref="DeliveryOptions.MaxConnectionAge"/>; an idle one is closed after
/// <see cref="DeliveryOptions.ConnectionIdleTimeout"/> (a remote Postfix gives each connection a process).
/// The pool never talks on a session: the caller closes what it hands back (QUIT).
/// </summary>
internal sealed class SessionPool
{
    private readonly Lock _lock = new();
    private readonly List<OutboundSession> _idle = [];

    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>The warmest usable idle session, or null; sessions found too old are added to <paramref name="expired"/>.</summary>
    public OutboundSession? TryTake(DateTimeOffset now, DeliveryOptions options, List<OutboundSession> expired)
    {
        lock (_lock)
        {
            while (_idle.Count > 0)
            {
                var session = _idle[^1];
                _idle.RemoveAt(_idle.Count - 1);
                if (CanCarryMore(session, now, options) && now - session.LastUsedAt < options.ConnectionIdleTimeout)
                {
                    return session;
                }

                expired.Add(session);
            }

            return null;
        }
    }

    /// <summary>Keeps a session for the next transaction; false when it may carry no more (the caller closes it).</summary>
    public bool Return(OutboundSession session, DateTimeOffset now, DeliveryOptions options)
    {
        session.LastUsedAt = now;
        if (!CanCarryMore(session, now, options))
        {
            return false;
        }

        lock (_lock)
        {
            _idle.Add(session);
            return true;
        }
    }

    /// <summary>Removes the sessions idle for too long or too old (oldest first in the list).</summary>
    public void Sweep(DateTimeOffset now, DeliveryOptions options, List<OutboundSession> expired)
    {
        lock (_lock)
        {
            for (var i = _idle.Count - 1; i >= 0; i--)
            {
                var s = _idle[i];
                if (!CanCarryMore(s, now, options) || now - s.LastUsedAt >= options.ConnectionIdleTimeout)
                {
                    expired.Add(s);
                    _idle.RemoveAt(i);
                }
            }
        }
    }

    public void TakeAll(List<OutboundSession> into)
    {
        lock (_lock)
        {
            into.AddRange(_idle);
            _idle.Clear();
        }
    }

    private static bool CanCarryMore(OutboundSession session, DateTimeOffset now, DeliveryOptions options) =>
        !session.IsBroken && session.Transactions < options.MaxMessagesPerConnection && now - session.OpenedAt < options.MaxConnectionAge;
}
