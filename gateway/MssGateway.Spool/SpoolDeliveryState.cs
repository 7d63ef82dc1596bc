namespace MssGateway.Spool;

/// <summary>Where one recipient stands in delivery.</summary>
public enum RecipientStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>Delivery progress of one recipient.</summary>
public sealed class RecipientState
{
    public required string Address { get; init; }

    public RecipientStatus Status { get; set; }

    /// <summary>Last reply from the next hop (code, enhanced code and text), for DSNs and the queue CLI.</summary>
    public string? LastReply { get; set; }

    /// <summary>Next hop the last attempt went to (host:port).</summary>
    public string? LastHop { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Whether a success/delay DSN was already sent for this recipient.</summary>
    public bool DelayNotified { get; set; }
}

/// <summary>
/// Mutable delivery progress of one spooled message, kept beside it in <c>state/&lt;id&gt;.json</c> and
/// replaced atomically (temp file, fsync, rename). A message without a state file has had no attempt.
/// </summary>
public sealed class SpoolDeliveryState
{
    public required string QueueId { get; init; }

    public int Attempts { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>Held by an operator (queue CLI): not delivered until released.</summary>
    public bool Held { get; set; }

    public List<RecipientState> Recipients { get; init; } = [];
}
