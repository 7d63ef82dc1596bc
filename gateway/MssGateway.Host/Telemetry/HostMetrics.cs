using System.Diagnostics.Metrics;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Smtp;
using MssGateway.Spool;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// The host's own instruments (docs/metrics.md, component "host"): build info, the expiry of the
/// gateway's server certificate as loaded at start-up, spool free space, readiness by check, and —
/// until the delivery component owns it — the queue size by spool state. All are observable: read at
/// scrape time, nothing on the SMTP hot path.
/// </summary>
public sealed class HostMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public HostMetrics(IMeterFactory? meterFactory, GatewayOptions options, MessageSpool spool, SpoolSpace space, ReadinessEvaluator readiness)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(readiness);
        // The factory shares one "MssGateway" meter between components and disposes it itself.
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(SmtpMetrics.MeterName) ?? new Meter(SmtpMetrics.MeterName);
        var version = BuildVersion();
        _meter.CreateObservableGauge("mssgw_build_info", () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", version)),
            description: "Always 1; the version label is the gateway's build version.");

        var expiry = ServerCertificateExpiry(options);
        if (expiry is { } notAfter)
        {
            _meter.CreateObservableGauge("mssgw_server_certificate_expiry_timestamp_seconds", () => (double)notAfter.ToUnixTimeSeconds(), unit: "s",
                description: "NotAfter of the gateway's own TLS certificate (Gateway:Tls:CertificateFile, as loaded at start-up), Unix seconds.");
        }

        _meter.CreateObservableGauge("mssgw_spool_free_bytes", () => space.FreeBytes, unit: "By",
            description: "Free space of the spool's file system.");

        _meter.CreateObservableGauge("mssgw_spool_recycled_files", () => spool.RecycledFiles,
            description: "Delivered messages' files in spool/recycled, kept for new messages to be written over (Gateway:Spool:RecycledFiles).");
        _meter.CreateObservableCounter("mssgw_spool_recycled_reused_total", () => spool.RecycledReused,
            description: "Messages accepted into a recycled file instead of a new one.");

        // Owned by the delivery component after merge (same name, same label): whichever registers first wins.
        _meter.CreateObservableGauge("mssgw_queue_messages", () => QueueByState(spool),
            description: "Messages in the spool by state (incoming, active, deferred, corrupt).");

        _meter.CreateObservableGauge("mssgw_readiness_check", () => readiness.LastResults.Select(r =>
                new Measurement<long>(r.Value.Ready ? 1 : 0, new KeyValuePair<string, object?>("check", r.Key))),
            description: "1 when the named /readyz check passed at its last evaluation (evaluated before each scrape), else 0.");
    }

    internal static DateTimeOffset? ServerCertificateExpiry(GatewayOptions options)
    {
        if (options.Tls.CertificateFile is not { } file || !File.Exists(file))
        {
            return null;
        }

        var leaf = X509CertificateLoader.LoadCertificateFromFile(file);
        return new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
    }

    internal static string BuildVersion()
    {
        var assembly = typeof(HostMetrics).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }

    private static IEnumerable<Measurement<long>> QueueByState(MessageSpool spool)
    {
        IReadOnlyDictionary<SpoolState, int> counts;
        try
        {
            counts = spool.Count();
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }

        return counts.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key.ToString().ToLowerInvariant())));
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
