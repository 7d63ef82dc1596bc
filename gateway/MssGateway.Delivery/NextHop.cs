namespace MssGateway.Delivery;

/// <summary>
/// Where a group of recipients goes. <see cref="Key"/> identifies the destination for grouping and
/// the per-destination concurrency limit; for operators it is the recipient domain (the liste
/// blanche is per domain, so one transaction never mixes domains).
/// </summary>
public sealed record NextHop(string Key, NextHopKind Kind, string Domain, NextHopAddress? Fixed)
{
    public static NextHop Internal(InternalNextHopOptions options) =>
        new("internal", NextHopKind.Internal, string.Empty, new NextHopAddress(options.Host, options.Port));
}
