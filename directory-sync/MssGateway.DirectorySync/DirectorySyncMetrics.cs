using System.Diagnostics.Metrics;
using MssGateway.Directory.Redis;

namespace MssGateway.DirectorySync;

/// <summary>
/// directory-sync's instruments (Meter "MssGateway"; exported at /metrics in service mode, and the
/// same figures written to Redis <c>{prefix}:status</c> / <c>current</c> for the gateway).
/// </summary>
public sealed class DirectorySyncMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _entriesRead;
    private DirectoryPointer _live = DirectoryPointer.Empty;
    private long _lastSuccess = -1;

    public DirectorySyncMetrics(IMeterFactory? meterFactory = null, TimeProvider? time = null)
    {
        Progress = new SyncProgress(time);
        _meter = meterFactory?.Create("MssGateway") ?? new Meter("MssGateway");
        _meter.CreateObservableGauge(
            "mssgw_directory_entries",
            () => Volatile.Read(ref _live).MailboxesByKind.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))),
            description: "Mailboxes in the live directory generation, by kind (PER, ORG, APP, CAB).");
        _meter.CreateObservableGauge(
            "mssgw_directory_authorised_domains",
            () => Volatile.Read(ref _live).DomainGeneration is null ? Array.Empty<Measurement<long>>() : [new Measurement<long>(Volatile.Read(ref _live).Domains)],
            description: "Domains in the live authorised-domain list (liste blanche).");
        _meter.CreateObservableGauge(
            "mssgw_directory_last_success_timestamp_seconds",
            () => Interlocked.Read(ref _lastSuccess) is >= 0 and var t ? [new Measurement<double>(t)] : Array.Empty<Measurement<double>>(),
            unit: "s",
            description: "Unix time of the last successful directory sync run.");
        _duration = _meter.CreateHistogram<double>("mssgw_directory_sync_duration_seconds", unit: "s", description: "Duration of directory sync runs, by source (ldap, flatfile) and mode (full, incremental).");
        _errors = _meter.CreateCounter<long>("mssgw_directory_sync_errors_total", description: "Failed steps of directory sync runs, by source (config, ldap, flatfile, domains, redis, lock).");
        _runs = _meter.CreateCounter<long>("mssgw_directory_sync_runs_total", description: "Directory sync runs, by result (success, failure).");
        _entriesRead = _meter.CreateCounter<long>("mssgw_directory_sync_entries_read_total", description: "Entries read from the source by sync runs, by source (ldap, flatfile); rate() is the sync speed.");
        _meter.CreateObservableGauge(
            "mssgw_directory_sync_progress_ratio",
            () => Progress.Fraction is { } f ? [new Measurement<double>(f)] : Array.Empty<Measurement<double>>(),
            description: "Share of the source read by the sync in progress (flat-file bytes, or entries against the LDAP estimate); 1 once a run completed; absent when unknown.");
        _meter.CreateObservableGauge(
            "mssgw_directory_sync_running",
            () => Progress.Running ? 1 : 0,
            description: "1 while a sync run is in progress.");
    }

    /// <summary>The run in progress (entries read, share of the source).</summary>
    public SyncProgress Progress { get; }

    public void EntriesRead(string source, long count)
    {
        _entriesRead.Add(count, new KeyValuePair<string, object?>("source", source));
        Progress.Add(count);
    }

    public void Live(DirectoryPointer pointer) => Volatile.Write(ref _live, pointer ?? DirectoryPointer.Empty);

    public void Success(string source, string mode, TimeSpan duration, DateTimeOffset at)
    {
        // The timestamp first: a scrape that sees this run counted sees its success time too.
        Interlocked.Exchange(ref _lastSuccess, at.ToUnixTimeSeconds());
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("mode", mode));
        _runs.Add(1, new KeyValuePair<string, object?>("result", "success"));
    }

    public void Failure(string source, string mode, TimeSpan duration)
    {
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("mode", mode));
        _runs.Add(1, new KeyValuePair<string, object?>("result", "failure"));
    }

    public void Error(string component) => _errors.Add(1, new KeyValuePair<string, object?>("source", component));

    public void Dispose() => _meter.Dispose();
}
