namespace MssGateway.Policy;

/// <summary>
/// Stable, bounded labels of <see cref="PolicyRefusal"/>: the <c>reason</c> of the policy metrics and log
/// events, and the reason label of the replies the host builds from them (public: docs/refusal-reasons.md).
/// </summary>
public static class PolicyLabels
{
    public static string ToLabel(this PolicyRefusal refusal) => refusal switch
    {
        PolicyRefusal.AttachmentsTooBig => "attachments_too_big",
        PolicyRefusal.MimeTooComplex => "mime_too_complex",
        PolicyRefusal.MimeMalformed => "mime_malformed",
        PolicyRefusal.SmimeInvalid => "smime_invalid",
        PolicyRefusal.SmimeUntrusted => "smime_untrusted",
        PolicyRefusal.SmimePartial => "smime_partial",
        PolicyRefusal.SmimeWeakAlgorithm => "smime_weak_algorithm",
        PolicyRefusal.SmimeSignerMismatch => "smime_signer_mismatch",
        PolicyRefusal.SmimeMissing => "smime_missing",
        PolicyRefusal.HeaderFromNotBound => "header_from_not_bound",
        PolicyRefusal.SenderNotBound => "sender_not_bound",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };

    /// <summary>Every refusal label, in enum order (docs and tests).</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<PolicyRefusal>().Select(r => r.ToLabel())];
}
