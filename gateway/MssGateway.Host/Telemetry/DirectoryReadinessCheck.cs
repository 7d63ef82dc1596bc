using System.Globalization;
using MssGateway.Directory;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// "directory": the directory answers (IMailboxDirectory.GetStatusAsync reports it reachable) and its
/// last successful sync is younger than Gateway:Health:DirectoryMaxAge. A stale directory would accept
/// mail for mailboxes that no longer exist, and refuse new ones.
/// </summary>
public sealed class DirectoryReadinessCheck(IMailboxDirectory directory, HealthOptions health, GatewayOptions options, TimeProvider time) : IReadinessCheck
{
    public string Name => "directory";

    public async ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        DirectoryStatus status;
        try
        {
            status = await directory.GetStatusAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
        {
            return ReadinessResult.Fail("unreachable: " + ex.GetType().Name);
        }

        if (!status.Reachable)
        {
            return ReadinessResult.Fail("unreachable: " + (status.Error ?? "no detail"));
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"mailboxes={status.MailboxCount} generation={status.Generation} last_sync={status.LastSuccessfulSync:O}");
        if (health.EffectiveDirectoryMaxAge(options.Directory.Kind) is { } maxAge)
        {
            if (status.LastSuccessfulSync is not { } last)
            {
                return ReadinessResult.Fail("never synchronised: " + detail);
            }

            var age = time.GetUtcNow() - last;
            if (age > maxAge)
            {
                return ReadinessResult.Fail(string.Create(CultureInfo.InvariantCulture, $"stale: age={(long)age.TotalSeconds}s max={(long)maxAge.TotalSeconds}s ") + detail);
            }
        }

        return ReadinessResult.Pass(detail);
    }
}
