using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>What the accept path calls after each spool commit, so delivery starts at once instead of at the next poll.</summary>
public interface IDeliveryScheduler
{
    /// <summary>Signals that a message was committed to <c>incoming/</c>. Cheap and non-blocking; never throws.</summary>
    void Notify(string queueId);

    /// <summary>
    /// As <see cref="Notify(string)"/>, with the message as the accept path committed it
    /// (<see cref="SpoolMessageWriter.Committed"/>: its envelope and its file's stamp), so delivery classifies
    /// it without reading the file back. The pass still checks the file is that version before it trusts
    /// the envelope (<see cref="MessageSpool.Reopen"/>). Never throws.
    /// </summary>
    void Notify(SpoolMessage accepted);
}
