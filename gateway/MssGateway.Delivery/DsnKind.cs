namespace MssGateway.Delivery;

/// <summary>Kinds of DSN the gateway sends (RFC 3464 Action field; also the <c>type</c> label of mssgw_dsn_sent_total).</summary>
public enum DsnKind
{
    /// <summary>Permanent failure or expiry (Action: failed).</summary>
    Failed,

    /// <summary>Still trying after <see cref="DeliveryOptions.DelayWarningAfter"/> (Action: delayed).</summary>
    Delayed,

    /// <summary>Handed to a next hop that does not do DSN, for NOTIFY=SUCCESS (Action: relayed).</summary>
    Relayed,
}
