using Microsoft.Extensions.Options;
using MssGateway.Directory;

namespace MssGateway.Delivery;

/// <summary>
/// Routing per recipient (issue 6 §2): the operator's own domains go to the internal next hop; any
/// other domain must still be on the liste blanche (it was at RCPT time, but the list may have
/// changed since) and goes to the transport-map entry for the domain, else to its MX hosts.
/// </summary>
public sealed class RecipientRouter
{
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly IMailboxDirectory _directory;

    // The local domains normalised once per options instance (a reload gives a new one), not once per recipient and message.
    private LocalDomainSet? _local;

    public RecipientRouter(IOptionsMonitor<DeliveryOptions> options, IMailboxDirectory directory)
    {
        _options = options;
        _directory = directory;
    }

    public async ValueTask<RecipientRoute> RouteAsync(string recipient, CancellationToken ct)
    {
        var options = _options.CurrentValue;
        var domain = AddressKey.DomainOf(recipient);
        if (domain.Length == 0)
        {
            return RecipientRoute.Fail(new DeliveryReply(550, "5.1.3", "recipient address has no domain"));
        }

        if (LocalDomains(options).Contains(domain))
        {
            return RecipientRoute.To(NextHop.Internal(options.InternalNextHop));
        }

        var authorised = await _directory.FindAuthorisedDomainAsync(domain, ct);
        if (authorised is null)
        {
            return RecipientRoute.Fail(DeliveryFailures.Reply(DeliveryFailure.DomainNotAuthorised, "the recipient domain is not on the MSSanté authorised-domain list"));
        }

        NextHopAddress? fixedHop = null;
        foreach (var (mapped, target) in options.TransportMap)
        {
            if (AddressKey.NormaliseDomain(mapped) == domain && NextHopAddress.TryParse(target, options.RemotePort, out var a))
            {
                fixedHop = a;
                break;
            }
        }

        return RecipientRoute.To(new NextHop("domain:" + domain, NextHopKind.Operator, domain, fixedHop));
    }

    private HashSet<string> LocalDomains(DeliveryOptions options)
    {
        var cached = _local;
        if (cached is null || !ReferenceEquals(cached.Options, options))
        {
            // One reference replaced whole: a racing reader sees the old set or the new one, never a mix.
            _local = cached = new LocalDomainSet(options, options.LocalDomains.Select(AddressKey.NormaliseDomain).ToHashSet(StringComparer.Ordinal));
        }

        return cached.Domains;
    }

    private sealed record LocalDomainSet(DeliveryOptions Options, HashSet<string> Domains);
}
