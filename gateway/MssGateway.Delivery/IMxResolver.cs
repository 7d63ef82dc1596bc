namespace MssGateway.Delivery;

/// <summary>MX lookup (RFC 5321 §5.1) for other operators' domains.</summary>
public interface IMxResolver
{
    ValueTask<MxLookupResult> ResolveAsync(string domain, CancellationToken ct);
}
