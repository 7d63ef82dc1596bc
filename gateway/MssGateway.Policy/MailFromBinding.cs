using MssGateway.Trust;

namespace MssGateway.Policy;

/// <summary>What <see cref="SenderBindingPolicy.CheckMailFromAsync"/> decided at MAIL FROM.</summary>
public sealed record MailFromBinding
{
    private MailFromBinding()
    {
    }

    /// <summary>The reverse path is bound (or the null sender of an operator whose DN the liste blanche lists).</summary>
    public static MailFromBinding Bound { get; } = new();

    /// <summary>The null sender of a personal CPS: bound only if the message is a multipart/report (decided at end of data).</summary>
    public static MailFromBinding NeedsReport { get; } = new() { RequiresReport = true };

    /// <summary>Refused whatever the listener's <see cref="SenderBindingMode"/> (certificate refusals, liste blanche).</summary>
    public SenderRefusal? Refusal { get; private init; }

    /// <summary>Not bound: refused under Enforce, tagged under Tag.</summary>
    public SenderBindingViolation? Violation { get; private init; }

    /// <summary>Set for <see cref="NeedsReport"/>.</summary>
    public bool RequiresReport { get; private init; }

    public static MailFromBinding Refused(SenderRefusal refusal) => new() { Refusal = refusal };

    public static MailFromBinding Violated(SenderBindingViolation violation) => new() { Violation = violation };
}
