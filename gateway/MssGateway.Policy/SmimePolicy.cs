namespace MssGateway.Policy;

/// <summary>
/// What a listener does with S/MIME signatures (configured per listener as <c>SmimePolicy</c>;
/// domain.md: S/MIME is not mandated between operators, the gateway verifies it when present and
/// can require it).
/// </summary>
public enum SmimePolicy
{
    /// <summary>Signatures are not verified; no <c>smime</c> result is written.</summary>
    Off,

    /// <summary>Signatures are verified and the verdict recorded (header, metric); nothing is refused for it.</summary>
    Tag,

    /// <summary>Anything but a <see cref="SmimeVerdict.Pass"/> is refused (550 5.7.x).</summary>
    Require,
}
