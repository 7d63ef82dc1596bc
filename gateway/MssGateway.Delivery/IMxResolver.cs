namespace MssGateway.Delivery;

/// <summary>MX lookup (RFC 5321 §5.1) for other operators' domains.</summary>
public interface IMxResolver
{
    ValueTask<MxLookupResult> ResolveAsync(string domain, CancellationToken ct);
}

/// <summary>
/// Hosts to try in order (lowest preference first; the domain itself when it has no MX), or the
/// reply to give every recipient of the domain when there is nowhere to go.
/// </summary>
public sealed record MxLookupResult(IReadOnlyList<string> Hosts, DeliveryReply? Failure)
{
    public static MxLookupResult Found(IReadOnlyList<string> hosts) => new(hosts, null);

    public static MxLookupResult Fail(DeliveryReply reply) => new([], reply);
}
