using System.Diagnostics.Metrics;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// Delivery instruments on the "MssGateway" meter (names are the final Prometheus names; label
/// values are bounded): attempts by result, attempt duration, queue size by spool state, DSNs sent by type.
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "MssGateway";

    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _dsn;

    public DeliveryMetrics(IMeterFactory meterFactory, MessageSpool spool)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _attempts = meter.CreateCounter<long>("mssgw_delivery_attempts_total", description: "Delivery attempts (one SMTP/LMTP transaction to one next hop) by result: delivered, deferred, failed.");
        _duration = meter.CreateHistogram<double>(
            "mssgw_delivery_duration_seconds",
            unit: "s",
            description: "Duration of one delivery attempt, connection to QUIT.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });
        _dsn = meter.CreateCounter<long>("mssgw_dsn_sent_total", description: "Delivery status notifications queued to senders, by type: failed, delayed, relayed.");
    }

    /// <summary>Counts an attempt; <paramref name="duration"/> is null for a local decision that contacted no next hop.</summary>
    public void Attempt(string result, TimeSpan? duration)
    {
        var tag = new KeyValuePair<string, object?>("result", result);
        _attempts.Add(1, tag);
        if (duration is { } d)
        {
            _duration.Record(d.TotalSeconds, tag);
        }
    }

    public void DsnSent(string type) => _dsn.Add(1, new KeyValuePair<string, object?>("type", type));
}
