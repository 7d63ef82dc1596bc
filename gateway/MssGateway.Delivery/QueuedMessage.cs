using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// A message waiting in a destination's queue, 32 bytes: its key, the spool directory it is in, whether
/// its delay warning was already sent (so a message parked for a dead destination is not looked at
/// again for that), and — while it waits near the head of a live destination's queue — the envelope the
/// classification read (<see cref="Known"/>), so the delivery pass does not parse it a second time. A
/// million of them fit in tens of megabytes: parked messages and long queues never hold an envelope.
/// </summary>
internal readonly record struct QueuedMessage(QueueKey Key, SpoolState From, bool DelayWarned = false, SpoolMessage? Known = null)
{
    public string Id => Key.ToString();

    /// <summary>The same entry without its envelope (parked, or queued behind many others).</summary>
    public QueuedMessage Forgotten => this with { Known = null };
}
