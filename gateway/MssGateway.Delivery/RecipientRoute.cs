namespace MssGateway.Delivery;

/// <summary>The route of one recipient: a next hop, or a permanent failure decided locally.</summary>
public sealed record RecipientRoute(NextHop? Hop, DeliveryReply? Failure)
{
    public static RecipientRoute To(NextHop hop) => new(hop, null);

    public static RecipientRoute Fail(DeliveryReply reply) => new(null, reply);
}
