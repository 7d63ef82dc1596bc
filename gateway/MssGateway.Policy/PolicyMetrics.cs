using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MssGateway.Policy;

/// <summary>
/// Metrics of the end-of-data policy (docs/metrics.md). Labels are bounded: verdict labels
/// (<see cref="SmimeVerdictLabels"/>) and refusal reasons (<see cref="PolicyLabels"/>).
/// </summary>
public sealed class PolicyMetrics
{
    public const string MeterName = "MssGateway";

    private readonly Counter<long> _smimeVerdicts;
    private readonly Counter<long> _refusals;
    private readonly Histogram<long> _attachmentBytes;
    private readonly Counter<long> _bindingViolations;

    public PolicyMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _smimeVerdicts = meter.CreateCounter<long>("mssgw_smime_verdicts_total", description: "S/MIME verdicts of messages on listeners whose SmimePolicy is not Off, by verdict.");
        _refusals = meter.CreateCounter<long>("mssgw_policy_refusals_total", description: "Messages refused at end of data by the message policy, by reason.");
        _bindingViolations = meter.CreateCounter<long>("mssgw_sender_binding_violations_total", description: "Senders not bound to the client certificate, by listener, mode (enforce: refused, tag: accepted and tagged) and reason.");
        _attachmentBytes = meter.CreateHistogram<long>(
            "mssgw_attachment_bytes",
            unit: "By",
            description: "Sum of decoded attachment sizes per message evaluated.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 10_000, 100_000, 1_000_000, 2_000_000, 5_000_000, 10_485_760, 20_000_000] });
    }

    public void SmimeVerdict(SmimeVerdict verdict) => _smimeVerdicts.Add(1, new KeyValuePair<string, object?>("verdict", verdict.ToLabel()));

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void AttachmentBytes(long bytes) => _attachmentBytes.Record(bytes);

    /// <summary>One sender binding violation (issue 12 rule 1); <paramref name="reason"/> is sender_not_bound or header_from_not_bound.</summary>
    public void SenderBindingViolation(string listener, SenderBindingMode mode, string reason) =>
        _bindingViolations.Add(1, new TagList { { "listener", listener }, { "mode", mode == SenderBindingMode.Tag ? "tag" : "enforce" }, { "reason", reason } });
}
