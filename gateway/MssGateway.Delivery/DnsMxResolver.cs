using DnsClient;
using DnsClient.Protocol;

namespace MssGateway.Delivery;

/// <summary>
/// MX lookup with DnsClient: hosts by preference (random order among equals), the implicit MX (the
/// domain itself) when there is none, a permanent failure for a null MX (RFC 7505) or a domain that
/// does not exist, and a temporary one when DNS does not answer.
/// </summary>
public sealed class DnsMxResolver : IMxResolver
{
    private readonly ILookupClient _dns;

    public DnsMxResolver()
        : this(new LookupClient(new LookupClientOptions { UseCache = true, Timeout = TimeSpan.FromSeconds(10), Retries = 2 }))
    {
    }

    public DnsMxResolver(ILookupClient dns)
    {
        _dns = dns;
    }

    public async ValueTask<MxLookupResult> ResolveAsync(string domain, CancellationToken ct)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _dns.QueryAsync(System.Globalization.CultureInfo.InvariantCulture.TextInfo.ToLower(new System.Globalization.IdnMapping().GetAscii(domain)), QueryType.MX, QueryClass.IN, ct);
        }
        catch (DnsResponseException ex)
        {
            return MxLookupResult.Fail(new DeliveryReply(451, "4.4.3", "MX lookup failed: " + ex.Code));
        }
        catch (ArgumentException)
        {
            return MxLookupResult.Fail(new DeliveryReply(550, "5.1.2", "the recipient domain is not a valid domain name"));
        }

        if (response.HasError)
        {
            return response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
                ? MxLookupResult.Fail(new DeliveryReply(550, "5.1.2", "the recipient domain does not exist in DNS"))
                : MxLookupResult.Fail(new DeliveryReply(451, "4.4.3", "MX lookup failed: " + response.ErrorMessage));
        }

        var mx = response.Answers.OfType<MxRecord>().ToList();
        if (mx.Count == 0)
        {
            return MxLookupResult.Found([domain]);
        }

        if (mx.Count == 1 && (mx[0].Exchange.Value is "." or ""))
        {
            return MxLookupResult.Fail(new DeliveryReply(550, "5.1.10", "the recipient domain accepts no mail (null MX)"));
        }

        var hosts = mx
            .OrderBy(r => r.Preference)
            .ThenBy(_ => Random.Shared.Next())
            .Select(r => r.Exchange.Value.TrimEnd('.'))
            .Where(h => h.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return MxLookupResult.Found(hosts);
    }
}
