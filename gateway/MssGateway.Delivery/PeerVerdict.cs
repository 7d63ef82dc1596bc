namespace MssGateway.Delivery;

/// <summary>
/// The verdict on a peer's certificate: trusted, or refused for a <see cref="PeerRefusal"/>. <see cref="Reason"/>
/// is its bounded label (for logs, the queue CLI and DSN diagnostics); <see cref="Detail"/> is free text for humans.
/// </summary>
public sealed record PeerVerdict(bool Trusted, PeerRefusal? Refusal, string? Detail = null)
{
    /// <summary><c>trusted</c>, or the label of <see cref="Refusal"/> (<c>peer_cert_untrusted</c>, <c>peer_not_listed</c>, <c>domain_not_authorised</c>).</summary>
    public string Reason => Refusal?.ToLabel() ?? "trusted";

    public static PeerVerdict Trust() => new(true, null);

    public static PeerVerdict Reject(PeerRefusal refusal, string? detail = null) => new(false, refusal, detail);
}
