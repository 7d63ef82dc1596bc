using System.Diagnostics.Metrics;

namespace MssGateway.Directory.Redis;

/// <summary>
/// Gateway-side directory gauges, read from the pointer the <see cref="RedisMailboxDirectory"/> last
/// fetched (no Redis call at scrape time): entries by kind, last successful sync, authorised domains.
/// </summary>
public sealed class RedisDirectoryMetrics : IDisposable
{
    private readonly Meter _meter;

    public RedisDirectoryMetrics(RedisMailboxDirectory directory, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _meter = meterFactory?.Create("MssGateway") ?? new Meter("MssGateway");
        _meter.CreateObservableGauge(
            "mssgw_directory_entries",
            () => directory.LastPointer.MailboxesByKind.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))),
            description: "Mailboxes in the live directory generation, by kind (PER, ORG, APP, CAB).");
        _meter.CreateObservableGauge(
            "mssgw_directory_last_success_timestamp_seconds",
            () => directory.LastPointer.SyncedAt is { } t ? [new Measurement<double>(t.ToUnixTimeSeconds())] : Array.Empty<Measurement<double>>(),
            unit: "s",
            description: "Unix time of the last successful directory sync, as the gateway last read it.");
        _meter.CreateObservableGauge(
            "mssgw_directory_authorised_domains",
            () => directory.LastPointer.DomainGeneration is null ? Array.Empty<Measurement<long>>() : [new Measurement<long>(directory.LastPointer.Domains)],
            description: "Domains in the live authorised-domain list (liste blanche).");
    }

    public void Dispose() => _meter.Dispose();
}
