using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>One queued message as the queue CLI sees it: where it is, its envelope and its delivery state (never its body).</summary>
public sealed record QueueEntry(string QueueId, SpoolState State, SpoolEnvelope Envelope, long Size, SpoolDeliveryState? Delivery)
{
    /// <summary>
    /// Reads the messages of <paramref name="states"/> (oldest first within each state) that pass
    /// <paramref name="filter"/>. A message moved or removed while the scan runs (the scheduler works
    /// on) is skipped, not an error: the listing is a snapshot of a live queue.
    /// </summary>
    public static IEnumerable<QueueEntry> Read(MessageSpool spool, IEnumerable<SpoolState> states, QueueFilter filter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var state in states)
        {
            if (state == SpoolState.Corrupt)
            {
                continue; // unreadable by definition: only listed (QueueCommand), never filtered or acted on in bulk
            }

            foreach (var id in spool.List(state))
            {
                SpoolMessage message;
                try
                {
                    message = spool.Open(state, id);
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or IOException)
                {
                    continue;
                }

                if (filter.Matches(message.Envelope, now))
                {
                    yield return new QueueEntry(id, state, message.Envelope, message.ContentLength, spool.ReadState(id));
                }
            }
        }
    }

    /// <summary>Time since the message was accepted (never negative, whatever the clocks say).</summary>
    public TimeSpan Age(DateTimeOffset now) => now > Envelope.ReceivedAt ? now - Envelope.ReceivedAt : TimeSpan.Zero;

    /// <summary>The delivery status of one recipient (pending when the message has had no attempt).</summary>
    public RecipientState? RecipientState(string address) => Delivery?.Recipients.FirstOrDefault(r => r.Address == address);
}
