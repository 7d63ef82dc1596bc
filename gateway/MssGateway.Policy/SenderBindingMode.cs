namespace MssGateway.Policy;

/// <summary>
/// What a listener does when a sender is not bound to the client certificate (issue 12 rule 1),
/// configured per listener as <c>SenderBinding</c>. Certificate refusals and the liste blanche
/// (<c>domain_not_authorised</c>) are enforced whatever the mode.
/// </summary>
public enum SenderBindingMode
{
    /// <summary>Refuse: <c>550 5.7.1 sender_not_bound</c> at MAIL FROM or end of data, <c>550 5.7.1 header_from_not_bound</c> at end of data.</summary>
    Enforce,

    /// <summary>
    /// Accept, and say so: <c>x-sender-binding=fail reason="…"</c> in Authentication-Results, a
    /// SenderBindingViolation log event and <c>mssgw_sender_binding_violations_total{mode="tag"}</c>. For a
    /// migration period (clients still learning to send from their own mailbox), never for the relay listener.
    /// </summary>
    Tag,
}
