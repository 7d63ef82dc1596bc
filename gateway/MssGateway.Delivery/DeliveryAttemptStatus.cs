namespace MssGateway.Delivery;

/// <summary>What one pass over a message ended with, for the scheduler.</summary>
public enum DeliveryAttemptStatus
{
    /// <summary>Every recipient is accounted for; the message left the spool.</summary>
    Completed,

    /// <summary>Some recipients wait for a retry; the message is in <c>deferred/</c>.</summary>
    Deferred,

    /// <summary>The message was not where expected (the queue CLI or another worker moved it), or was corrupt.</summary>
    Skipped,
}
