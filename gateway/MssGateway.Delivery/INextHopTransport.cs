namespace MssGateway.Delivery;

/// <summary>Sends one message to one destination for a group of recipients and says what became of each, and of the connection.</summary>
internal interface INextHopTransport
{
    Task<NextHopResult> DeliverAsync(NextHopDelivery delivery, CancellationToken ct);
}
