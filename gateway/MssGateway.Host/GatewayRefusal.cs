namespace MssGateway.Host;

/// <summary>
/// The gateway's own refusals, decided in the session hooks rather than by a component (DESIGN.md §3
/// "Verdicts and replies"). Replies in <see cref="GatewayVerdicts"/>.
/// </summary>
public enum GatewayRefusal
{
    /// <summary>RCPT on an authorised domain that the directory does not list (<c>recipient_unknown</c>).</summary>
    RecipientUnknown,

    /// <summary>RCPT domain not on the liste blanche, checked before the directory (<c>domain_not_authorised</c>).</summary>
    RecipientDomainNotAuthorised,

    /// <summary>RCPT on a relay listener outside Gateway:Delivery:LocalDomains (issue 12 rule 2, <c>relay_denied</c>).</summary>
    RelayDenied,

    /// <summary>
    /// An address with a control or bidirectional formatting character (SMTPUTF8 lets C1 controls through the
    /// syntax): it would reach DSNs and the operator's terminal raw (issue 12 rule 8, <c>address_unsafe_characters</c>).
    /// </summary>
    UnsafeAddress,

    /// <summary>Spool free space under Gateway:Spool:MinimumFreeBytes (<c>insufficient_storage</c>).</summary>
    SpoolFull,

    /// <summary>The directory could not answer, at any stage of the session (<c>directory_unavailable</c>).</summary>
    DirectoryUnavailable,

    /// <summary>A new session while the gateway drains (<c>shutting_down</c>).</summary>
    Draining,
}
