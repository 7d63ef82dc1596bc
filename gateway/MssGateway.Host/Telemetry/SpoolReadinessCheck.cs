using System.Globalization;
using MssGateway.Spool;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// "spool": the spool accepts a new file (a probe file is created and deleted in its temp folder) and
/// its file system has at least Gateway:Spool:MinimumFreeBytes free (the same threshold under which
/// MAIL FROM gets 452 4.3.1).
/// </summary>
public sealed class SpoolReadinessCheck(MessageSpool spool, SpoolSpace space, SpoolOptions options) : IReadinessCheck
{
    public string Name => "spool";

    public ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        var free = space.FreeBytes;
        var minimum = options.MinimumFreeBytes;
        try
        {
            var probe = Path.Combine(spool.TempDirectory, ".readyz-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ValueTask.FromResult(ReadinessResult.Fail("not writable: " + ex.GetType().Name));
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"free={free} minimum={minimum}");
        return ValueTask.FromResult(free >= minimum ? ReadinessResult.Pass(detail) : ReadinessResult.Fail("low space: " + detail));
    }
}
