using System.Diagnostics.Metrics;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// Delivery instruments on the "MssGateway" meter (names are the final Prometheus names; label
/// values are bounded — never a domain or an address): attempts by result, attempt duration, DSNs
/// sent by type, outbound connections opened and reused, open connections, dead destinations and the
/// messages waiting for them.
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "MssGateway";

    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _dsn;
    private readonly Counter<long> _connections;
    private readonly Counter<long> _reused;
    private readonly Counter<long> _pipelined;
    private readonly Counter<long> _outOfStep;
    private readonly Counter<long> _localDeferrals;
    private readonly Meter _meter;
    private long _open;
    private Func<List<(string Destination, int Parked)>>? _dead; // the dead destinations and their parked messages, read at scrape time

    public DeliveryMetrics(IMeterFactory meterFactory, MessageSpool spool)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _attempts = _meter.CreateCounter<long>("mssgw_delivery_attempts_total", description: "Delivery attempts (one SMTP/LMTP transaction to one next hop) by result: delivered, deferred, failed.");
        _duration = _meter.CreateHistogram<double>(
            "mssgw_delivery_duration_seconds",
            unit: "s",
            description: "Duration of one delivery attempt (connection, or taking a pooled one, to the last reply).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });
        _dsn = _meter.CreateCounter<long>("mssgw_dsn_sent_total", description: "Delivery status notifications queued to senders, by type: failed, delayed, relayed.");
        _connections = _meter.CreateCounter<long>("mssgw_delivery_connections_total", description: "Outbound connections by result: opened (ready for a transaction, peer checked), failed (connect, TLS, greeting, EHLO, STARTTLS or peer certificate).");
        _reused = _meter.CreateCounter<long>("mssgw_delivery_connection_reuses_total", description: "Transactions sent on an already open connection (each one saved a TCP and TLS handshake).");
        _pipelined = _meter.CreateCounter<long>("mssgw_delivery_pipelined_transactions_total", description: "Transactions written on a connection while the transaction before them still waited for its replies (pipelining across transactions, Gateway:Delivery:PipelineDepth).");
        _outOfStep = _meter.CreateCounter<long>("mssgw_delivery_out_of_step_total", description: "Outbound connections given up because the peer sent octets nobody asked for: a spare reply after a transaction's last one, or octets on an idle pooled connection (its farewell, a late spare reply); never reused.");
        _localDeferrals = _meter.CreateCounter<long>("mssgw_delivery_local_deferrals_total", description: "Messages deferred by the gateway itself before any next hop was tried, by reason: directory_unavailable (the directory could not be read to route), delivery_error (an unexpected local error).");
        _meter.CreateObservableGauge("mssgw_delivery_connections_open", () => Interlocked.Read(ref _open), description: "Outbound connections open now, busy or idle in the pool.");
        _meter.CreateObservableGauge("mssgw_delivery_dead_destinations", () => (long)(_dead?.Invoke().Count ?? 0), description: "Destinations declared dead (their messages wait without one connection attempt each).");
        _meter.CreateObservableGauge("mssgw_delivery_parked_messages", () => (_dead?.Invoke() ?? []).Sum(d => (long)d.Parked), description: "Messages waiting for a dead destination to come back.");
        _meter.CreateObservableGauge(
            "mssgw_delivery_destination_parked_messages",
            () => (_dead?.Invoke() ?? []).Select(d => new Measurement<long>(d.Parked, new KeyValuePair<string, object?>("destination", d.Destination))),
            description: "Messages parked for each dead destination, by destination (its key: internal, or domain:<the recipients' domain>); a series exists only while its destination is dead.");
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

    /// <summary>Counts a message the gateway deferred itself (<paramref name="failure"/>'s reason label).</summary>
    internal void LocalDeferral(DeliveryFailure failure) => _localDeferrals.Add(1, new KeyValuePair<string, object?>("reason", failure.ToLabel()));

    public void DsnSent(string type) => _dsn.Add(1, new KeyValuePair<string, object?>("type", type));

    internal void Connection(string result) => _connections.Add(1, new KeyValuePair<string, object?>("result", result));

    internal void ConnectionReused() => _reused.Add(1);

    internal void Pipelined() => _pipelined.Add(1);

    internal void OutOfStep() => _outOfStep.Add(1);

    internal void SessionOpened() => Interlocked.Increment(ref _open);

    internal void SessionClosed() => Interlocked.Decrement(ref _open);

    internal void ObserveDestinations(Func<List<(string Destination, int Parked)>> dead) => _dead = dead;
}
