using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MssGateway.Smtp;

/// <summary>
/// The engine's instruments (System.Diagnostics.Metrics; exported by the host). Names are the final
/// Prometheus names (docs/metrics.md); label values are bounded: listener names from configuration,
/// stages and reasons from the reply catalogue.
/// </summary>
public sealed class SmtpMetrics : IDisposable
{
    public const string MeterName = "MssGateway";

    private readonly Meter _meter;
    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _activeSessions;
    private readonly Counter<long> _tlsHandshakes;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _accepted;
    private long _penalties;
    private readonly Histogram<double> _messageSize;
    private readonly Histogram<double> _sessionDuration;
    private readonly Histogram<double> _dataDuration;

    public SmtpMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = _meter.CreateCounter<long>("mssgw_smtp_connections_total", description: "SMTP connections by listener and result (accepted, or the limit that refused them).");
        _activeSessions = _meter.CreateUpDownCounter<long>("mssgw_smtp_sessions_active", description: "SMTP sessions in progress.");
        _tlsHandshakes = _meter.CreateCounter<long>("mssgw_tls_handshakes_total", description: "TLS handshakes by listener, result and protocol.");
        _refusals = _meter.CreateCounter<long>("mssgw_smtp_refusals_total", description: "Negative SMTP replies by listener, stage and reason.");
        // Observable so that the series exists (at 0) before the first penalty: an alert can rate() it from the start.
        _meter.CreateObservableCounter("mssgw_smtp_client_penalties_total", () => Interlocked.Read(ref _penalties), description: "Client addresses penalised for repeated offences (Gateway:Smtp:Limits:MaxOffencesPerClient).");
        _accepted = _meter.CreateCounter<long>("mssgw_messages_accepted_total", description: "Messages accepted (250 after DATA/BDAT, durable in the spool).");
        _messageSize = _meter.CreateHistogram<double>("mssgw_message_size_bytes", unit: "By", description: "Size of accepted messages.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1024, 10240, 102400, 1048576, 5242880, 10485760, 15728640, 20971520, 52428800] });
        _sessionDuration = _meter.CreateHistogram<double>("mssgw_smtp_session_duration_seconds", unit: "s", description: "Duration of SMTP sessions.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800] });
        _dataDuration = _meter.CreateHistogram<double>("mssgw_smtp_data_duration_seconds", unit: "s", description: "Time from the first data octet to the final reply (includes policy and fsync).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    internal void Connection(string listener, string result) =>
        _connections.Add(1, new TagList { { "listener", listener }, { "result", result } });

    internal void ClientPenalised() => Interlocked.Increment(ref _penalties);

    internal void SessionStarted(string listener) => _activeSessions.Add(1, new KeyValuePair<string, object?>("listener", listener));

    internal void SessionEnded(string listener, TimeSpan duration)
    {
        _activeSessions.Add(-1, new KeyValuePair<string, object?>("listener", listener));
        _sessionDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("listener", listener));
    }

    internal void TlsHandshake(string listener, string result, string protocol) =>
        _tlsHandshakes.Add(1, new TagList { { "listener", listener }, { "result", result }, { "protocol", protocol } });

    internal void Refusal(string listener, string stage, string reason) =>
        _refusals.Add(1, new TagList { { "listener", listener }, { "stage", stage }, { "reason", reason } });

    internal void Accepted(string listener, long size, TimeSpan dataDuration)
    {
        var tag = new KeyValuePair<string, object?>("listener", listener);
        _accepted.Add(1, tag);
        _messageSize.Record(size, tag);
        _dataDuration.Record(dataDuration.TotalSeconds, tag);
    }

    public void Dispose() => _meter.Dispose();
}
