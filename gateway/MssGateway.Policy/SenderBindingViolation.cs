namespace MssGateway.Policy;

/// <summary>
/// A sender not bound to the client certificate (issue 12 rule 1): the refusal it is under
/// <see cref="SenderBindingMode.Enforce"/>, the address at fault (for the host to log through its
/// address redactor; null when no address is at fault, e.g. two From fields) and a log-safe detail.
/// </summary>
public sealed record SenderBindingViolation(PolicyRefusal Refusal, string? Address, string Detail)
{
    /// <summary>The reason label (<c>sender_not_bound</c>, <c>header_from_not_bound</c>).</summary>
    public string Reason => Refusal.ToLabel();
}
