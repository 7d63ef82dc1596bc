using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// A message waiting in a destination's queue, 24 bytes: its key, the spool directory it is in, and
/// whether its delay warning was already sent (so a message parked for a dead destination is not
/// looked at again for that). A million of them fit in tens of megabytes.
/// </summary>
internal readonly record struct QueuedMessage(QueueKey Key, SpoolState From, bool DelayWarned = false)
{
    public string Id => Key.ToString();
}
