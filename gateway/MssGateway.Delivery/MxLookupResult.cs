namespace MssGateway.Delivery;

/// <summary>
/// Hosts to try in order (lowest preference first; the domain itself when it has no MX), or the
/// reply to give every recipient of the domain when there is nowhere to go.
/// </summary>
public sealed record MxLookupResult(IReadOnlyList<string> Hosts, DeliveryReply? Failure)
{
    public static MxLookupResult Found(IReadOnlyList<string> hosts) => new(hosts, null);

    public static MxLookupResult Fail(DeliveryReply reply) => new([], reply);
}
