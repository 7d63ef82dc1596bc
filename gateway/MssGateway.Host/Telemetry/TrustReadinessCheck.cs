using System.Globalization;
using MssGateway.Trust;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// /readyz check "trust": anchors are loaded and, unless <see cref="HealthOptions.RequireFreshRevocation"/>
/// is off, no CRL or trusted list is past its time plus grace — when one is, certificates of that CA
/// fail closed (client_cert_revocation_unknown), so this instance should not take traffic.
/// </summary>
public sealed class TrustReadinessCheck(ICertificateTrustEngine engine, HealthOptions health) : IReadinessCheck
{
    public string Name => "trust";

    public ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        var status = engine.GetStatus();
        var detail = string.Create(CultureInfo.InvariantCulture, $"anchors={status.AnchorCount} crls={status.Crls.Count} stale={status.IsStale}");
        if (status.AnchorCount == 0)
        {
            return ValueTask.FromResult(ReadinessResult.Fail("no trust anchor loaded: " + (status.AnchorError ?? detail)));
        }

        if (status.IsStale && health.RequireFreshRevocation)
        {
            return ValueTask.FromResult(ReadinessResult.Fail("revocation data past nextUpdate + grace: " + detail + (status.TrustedListError is null ? string.Empty : " trusted_list=" + status.TrustedListError)));
        }

        return ValueTask.FromResult(ReadinessResult.Pass(detail));
    }
}
