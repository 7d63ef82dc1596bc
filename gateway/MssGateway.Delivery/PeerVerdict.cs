namespace MssGateway.Delivery;

/// <summary>
/// The verdict on a peer's certificate. <see cref="Reason"/> is a bounded label (for logs, the queue
/// CLI and DSN diagnostics), e.g. <c>peer_cert_untrusted</c>, <c>peer_not_listed</c>,
/// <c>peer_cert_expired</c>, <c>peer_cert_revoked</c>; <see cref="Detail"/> is free text for humans.
/// </summary>
public sealed record PeerVerdict(bool Trusted, string Reason, string? Detail = null)
{
    public static PeerVerdict Trust() => new(true, "trusted");

    public static PeerVerdict Reject(string reason, string? detail = null) => new(false, reason, detail);
}
