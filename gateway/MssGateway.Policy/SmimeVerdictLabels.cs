namespace MssGateway.Policy;

/// <summary>Stable, bounded labels of <see cref="SmimeVerdict"/> values (metrics, logs, header reasons).</summary>
public static class SmimeVerdictLabels
{
    /// <summary>Every label, in enum order, for docs and tests.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<SmimeVerdict>().Select(ToLabel)];

    public static string ToLabel(this SmimeVerdict verdict) => verdict switch
    {
        SmimeVerdict.None => "none",
        SmimeVerdict.Pass => "pass",
        SmimeVerdict.Fail => "fail",
        SmimeVerdict.Untrusted => "untrusted",
        SmimeVerdict.Revoked => "revoked",
        SmimeVerdict.Expired => "expired",
        SmimeVerdict.SignerMismatch => "signer_mismatch",
        SmimeVerdict.Partial => "partial",
        SmimeVerdict.WeakAlgorithm => "weak_algorithm",
        SmimeVerdict.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };
}
