namespace MssGateway.Host;

/// <summary>
/// Who a listener serves (issue 12 rule 2). It decides which recipients RCPT may name: a submission
/// listener relays into the whole espace de confiance, a relay listener only delivers to the
/// gateway's own domains (no relaying between third parties).
/// </summary>
public enum ListenerRole
{
    /// <summary>Professionals and hospital systems sending out (ports 587 and 465): recipients on any authorised domain.</summary>
    Submission,

    /// <summary>Other MSSanté operators (port 25): recipients only in <c>Gateway:Delivery:LocalDomains</c>, else <c>550 5.7.1 relay_denied</c>.</summary>
    Relay,
}
