using System.Diagnostics.Metrics;

namespace MssGateway.Trust;

/// <summary>
/// Instruments of the trust component (docs/metrics.md), on the "MssGateway" meter. Labels are bounded:
/// <c>reason</c> takes the values of <see cref="TrustLabels.CheckReasons"/>, <c>issuer_ca</c> the CN of a
/// configured or path-validated CA, <c>result</c> ok|error, <c>detail</c> the values of
/// <see cref="CertificateCheckDetails.All"/>, <c>cause</c> those of CRL refusals.
/// </summary>
public sealed class TrustMetrics : IDisposable
{
    public const string MeterName = "MssGateway";

    private readonly Meter _meter;
    private readonly Counter<long> _checks;
    private readonly Counter<long> _crlFetches;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _crlRefused;
    private readonly Counter<long> _ocspResponses;
    private Func<TrustStatus>? _status;

    public TrustMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _checks = _meter.CreateCounter<long>("mssgw_client_certificate_checks_total", description: "Certificate checks by reason (ok when trusted).");
        _crlFetches = _meter.CreateCounter<long>("mssgw_crl_fetches_total", description: "CRL downloads by result (ok, error).");
        _refusals = _meter.CreateCounter<long>("mssgw_certificate_refusals_total", description: "Certificate refusals by reason and the check that refused (detail).");
        _crlRefused = _meter.CreateCounter<long>("mssgw_crl_refused_total", description: "CRLs refused when loaded, by cause.");
        _ocspResponses = _meter.CreateCounter<long>("mssgw_ocsp_responses_total", description: "OCSP responses by result (good, revoked, or why not used).");
        _meter.CreateObservableGauge("mssgw_crl_next_update_timestamp_seconds", ObserveCrlNextUpdates, "s", "nextUpdate of the CRL in use, per issuing CA (Unix time).");
        _meter.CreateObservableGauge("mssgw_trust_anchors_loaded", () => _status?.Invoke().AnchorCount ?? 0, description: "Trust anchors loaded (bundles and trusted list).");
        _meter.CreateObservableGauge("mssgw_trusted_list_next_update_timestamp_seconds", ObserveTrustedList, "s", "NextUpdate of the trusted list in use (Unix time).");
        _meter.CreateObservableGauge("mssgw_trust_stale", () => _status?.Invoke().IsStale == true ? 1 : 0, description: "1 when a CRL or the trusted list is past its time (certificates are refused), else 0.");
    }

    public void CertificateChecked(string reason) => _checks.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>One refusal: <paramref name="reason"/> of <see cref="TrustLabels.CheckReasons"/>, <paramref name="detail"/> of <see cref="CertificateCheckDetails.All"/>.</summary>
    public void CertificateRefused(string reason, string detail) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("detail", detail));

    internal void CrlRefused(string cause) => _crlRefused.Add(1, new KeyValuePair<string, object?>("cause", cause));

    internal void OcspResponse(string result) => _ocspResponses.Add(1, new KeyValuePair<string, object?>("result", result));

    public void CrlFetched(bool ok) => _crlFetches.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "error"));

    /// <summary>Connects the gauges to the engine's status.</summary>
    internal void Observe(Func<TrustStatus> status) => _status = status;

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> ObserveCrlNextUpdates()
    {
        var status = _status?.Invoke();
        if (status is null)
        {
            yield break;
        }

        foreach (var (ca, next) in status.CrlNextUpdateByCa)
        {
            yield return new Measurement<double>(next.ToUnixTimeSeconds(), new KeyValuePair<string, object?>("issuer_ca", ca));
        }
    }

    private IEnumerable<Measurement<double>> ObserveTrustedList()
    {
        if (_status?.Invoke().TrustedListNextUpdate is { } next)
        {
            yield return new Measurement<double>(next.ToUnixTimeSeconds());
        }
    }
}
