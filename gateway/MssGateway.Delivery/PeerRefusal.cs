namespace MssGateway.Delivery;

/// <summary>
/// Why a next hop's certificate is not accepted (DESIGN.md §3: "the next hop's certificate must chain to
/// IGC-Santé and its subject DN must be listed for the recipient's domain, or nothing is sent"). The host's
/// trust adapter decides; the labels are in <see cref="DeliveryFailures"/>.
/// </summary>
public enum PeerRefusal
{
    /// <summary>Does not chain to IGC-Santé, expired or revoked (<c>peer_cert_untrusted</c>).</summary>
    CertificateUntrusted,

    /// <summary>The recipient's domain is not on the liste blanche (<c>domain_not_authorised</c>).</summary>
    DomainNotAuthorised,

    /// <summary>Valid, but its subject DN is not listed for the recipient's domain (<c>peer_not_listed</c>).</summary>
    NotListed,
}
