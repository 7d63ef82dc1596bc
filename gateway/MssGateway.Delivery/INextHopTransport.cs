using MimeKit;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>Sends one message to one next hop for a group of recipients and says what became of each.</summary>
public interface INextHopTransport
{
    Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(SpoolMessage spooled, MimeMessage message, NextHop hop, IReadOnlyList<SpoolRecipient> recipients, CancellationToken ct);
}
