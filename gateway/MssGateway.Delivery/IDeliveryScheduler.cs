namespace MssGateway.Delivery;

/// <summary>What the accept path calls after each spool commit, so delivery starts at once instead of at the next poll.</summary>
public interface IDeliveryScheduler
{
    /// <summary>Signals that a message was committed to <c>incoming/</c>. Cheap and non-blocking; never throws.</summary>
    void Notify(string queueId);
}
