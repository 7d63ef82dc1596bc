namespace MssGateway.Delivery;

/// <summary>
/// The gateway's own delivery failures (a next hop's refusals are passed on as they came): what went wrong in
/// delivery's vocabulary. <see cref="DeliveryFailures"/> gives each its status (code, RFC 3463 enhanced code)
/// and its reason label, which starts the reply text kept in the spool, quoted in DSNs and shown by the
/// queue CLI. docs/refusal-reasons.md "Delivery reasons" is tested against it both ways.
/// </summary>
public enum DeliveryFailure
{
    /// <summary>No TCP connection to the next hop.</summary>
    ConnectFailed,

    /// <summary>The connection dropped during the transaction.</summary>
    ConnectionLost,

    /// <summary>The destination is marked dead: no connection per message until its retry.</summary>
    DestinationDead,

    /// <summary>The next hop does not offer STARTTLS, which is required towards it.</summary>
    StartTlsNotOffered,

    /// <summary>The next hop presented no certificate.</summary>
    PeerCertificateMissing,

    /// <summary>The next hop's certificate does not name the host connected to.</summary>
    PeerNameMismatch,

    /// <summary>The next hop's certificate does not chain to IGC-Santé, is expired or revoked (<see cref="PeerRefusal.CertificateUntrusted"/>).</summary>
    PeerCertificateUntrusted,

    /// <summary>The next hop's subject DN is not listed for the recipient's domain (<see cref="PeerRefusal.NotListed"/>).</summary>
    PeerNotListed,

    /// <summary>The recipient's domain is not on the liste blanche (routing, or <see cref="PeerRefusal.DomainNotAuthorised"/>).</summary>
    DomainNotAuthorised,

    /// <summary>More Received fields than allowed: the message loops.</summary>
    MailLoop,

    /// <summary>An unexpected local error while delivering (retried).</summary>
    DeliveryError,

    /// <summary>The directory (liste blanche, mailboxes) could not be read to route the message: deferred, retried.</summary>
    DirectoryUnavailable,
}
