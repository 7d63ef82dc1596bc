namespace MssGateway.Delivery;

/// <summary>
/// The outcome of one recipient in one attempt. <see cref="NextHopSupportsDsn"/> says whether the
/// next hop took over DSN duties (RFC 3461 §4.2): when it did not, the gateway itself sends a
/// "relayed" DSN to a recipient that asked NOTIFY=SUCCESS. <see cref="FromRemote"/> says whether
/// <see cref="Reply"/> came from the next hop (quoted as Remote-MTA and Diagnostic-Code in a DSN)
/// or was decided by the gateway (no route, loop, TLS, connection).
/// </summary>
public sealed record RecipientOutcome(string Address, RecipientResult Result, DeliveryReply Reply, string Hop, bool NextHopSupportsDsn = false, bool FromRemote = false);
