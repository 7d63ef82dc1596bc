namespace MssGateway.Delivery;

/// <summary>
/// One destination of the scheduler — an operator domain (the liste blanche is per domain), the
/// internal hop, or "local" for decisions that contact nobody — with its queue, its concurrency window
/// and its sessions. The window follows Postfix's model: it starts at
/// <see cref="DeliveryOptions.InitialConcurrency"/>, grows by one after as many successes as its size
/// (additive increase, up to <see cref="DeliveryOptions.ConcurrencyPerDestination"/>) and shrinks by
/// one at each connection failure; after <see cref="DeliveryOptions.FailedCohortLimit"/> failed cohorts
/// (a cohort: as many consecutive failures as the window held when they began) the destination is
/// dead: its messages wait in <see cref="Parked"/> without a connection each, and one probe is let
/// through after a back-off that doubles while the probes fail. All scheduling state is guarded by
/// <see cref="DestinationTable"/>'s lock.
/// </summary>
internal sealed class Destination
{
    public const string LocalKey = "local";

    public Destination(string key, NextHop? hop, DeliveryOptions options)
    {
        Key = key;
        Hop = hop;
        Window = IsLocal ? double.MaxValue : Math.Min(options.InitialConcurrency, options.ConcurrencyPerDestination);
    }

    public string Key { get; }

    /// <summary>The route last seen for this destination (null for "local").</summary>
    public NextHop? Hop { get; set; }

    public bool IsLocal => Key == LocalKey;

    public SessionPool Sessions { get; } = new();

    /// <summary>Messages to send, oldest first.</summary>
    public Queue<QueuedMessage> Ready { get; } = new();

    /// <summary>Messages waiting for a dead destination to come back: never claimed, never written.</summary>
    public Queue<QueuedMessage> Parked { get; } = new();

    /// <summary>Passes that already hold a message (in <c>active/</c>) and wait for a slot here for another group of its recipients.</summary>
    public Queue<TaskCompletionSource<DestinationLease>> Waiters { get; } = new();

    /// <summary>Transactions (slots) in progress.</summary>
    public int Active { get; set; }

    public double Window { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    public DateTimeOffset DeadUntil { get; private set; }

    public bool IsDead { get; private set; }

    /// <summary>A probe of a dead destination is in flight.</summary>
    public bool Probing { get; set; }

    /// <summary>Why the destination is dead: the reply its parked messages get if they expire meanwhile.</summary>
    public DeliveryReply? DeadReply { get; private set; }

    public TimeSpan Backoff { get; private set; }

    private double _credit;
    private int _cohort;
    private bool _pipelines;

    /// <summary>Connections it may hold now (its window).</summary>
    public int Limit => IsDead ? (Probing ? 1 : 0) : (int)Math.Max(1, Math.Floor(Window));

    /// <summary>
    /// Set once a session to it showed PIPELINING and CHUNKING (and BDAT is not turned off): a second
    /// transaction may then be written on a busy connection. Written outside the table's lock.
    /// </summary>
    public bool Pipelines
    {
        get => Volatile.Read(ref _pipelines);
        set => Volatile.Write(ref _pipelines, value);
    }

    /// <summary>Slots (transactions) it may hold now: its window times the pipeline depth once the peer pipelines.</summary>
    public int TransactionLimit(int depth) => IsDead || !Pipelines ? Limit : Limit * Math.Max(1, depth);

    public bool HasWork => Ready.Count > 0 || Waiters.Count > 0;

    /// <summary>A session opened or a transaction got the peer's answer: positive feedback; a dead destination comes back.</summary>
    /// <returns>True when this revived a dead destination.</returns>
    public bool Succeeded(DeliveryOptions options)
    {
        ConsecutiveFailures = 0;
        _cohort = 0;
        var revived = IsDead;
        if (IsDead)
        {
            IsDead = false;
            Probing = false;
            Backoff = TimeSpan.Zero;
            DeadReply = null;
            Window = Math.Min(options.InitialConcurrency, options.ConcurrencyPerDestination);
            _credit = 0;
            return revived;
        }

        var max = options.ConcurrencyPerDestination;
        if (Window < max)
        {
            _credit += 1 / Window;
            if (_credit >= 1)
            {
                _credit = 0;
                Window = Math.Min(max, Window + 1);
            }
        }
        else
        {
            Window = max; // the limit may have been lowered by a configuration reload
        }

        return revived;
    }

    /// <summary>A session could not be opened (or was lost): negative feedback; may declare the destination dead.</summary>
    /// <returns>True when this failure made it dead.</returns>
    public bool Failed(DeliveryReply reply, DateTimeOffset now, DeliveryOptions options)
    {
        if (IsDead)
        {
            // A failed probe: stay dead, wait twice as long (up to the longest retry wait).
            Probing = false;
            Backoff = Backoff * 2 > options.MaxRetryDelay ? options.MaxRetryDelay : Backoff * 2;
            DeadUntil = now + Backoff;
            DeadReply = reply;
            return false;
        }

        if (ConsecutiveFailures == 0)
        {
            _cohort = Math.Max(1, (int)Math.Floor(Window));
        }

        ConsecutiveFailures++;
        _credit = 0;
        Window = Math.Max(1, Window - 1);
        if (ConsecutiveFailures < options.FailedCohortLimit * _cohort)
        {
            return false;
        }

        IsDead = true;
        Probing = false;
        Backoff = options.DeadDestinationRetry;
        DeadUntil = now + Backoff;
        DeadReply = reply;
        return true;
    }

    /// <summary>Whether a probe may go now.</summary>
    public bool ProbeDue(DateTimeOffset now) => IsDead && !Probing && now >= DeadUntil;
}
