using System.Text.Json;
using MssGateway.Directory;
using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>
/// /healthz (the process answers) and /readyz (this instance should receive mail): each check is
/// named in the JSON response; any failing check makes it 503.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (GatewayReadiness readiness, SpoolSpace space, MessageSpool spool, IMailboxDirectory directory, CancellationToken ct) =>
        {
            var checks = new Dictionary<string, object>(StringComparer.Ordinal);
            var ready = true;
            void Check(string name, bool ok, string detail)
            {
                checks[name] = new { ok, detail };
                ready &= ok;
            }

            Check("listeners", readiness.ListenersUp, readiness.ListenersUp ? "bound" : "not bound yet");
            Check("draining", !readiness.Draining, readiness.Draining ? "shutting down" : "no");
            var writable = System.IO.Directory.Exists(spool.DirectoryOf(SpoolState.Incoming));
            Check("spool", writable && space.HasRoom(), $"free={space.FreeBytes}");
            DirectoryStatus status;
            try
            {
                status = await directory.GetStatusAsync(ct);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
            {
                status = new DirectoryStatus { Reachable = false, Error = ex.Message };
            }

            Check("directory", status.Reachable, status.Error ?? $"mailboxes={status.MailboxCount} generation={status.Generation}");
            var body = JsonSerializer.Serialize(new { status = ready ? "ready" : "not_ready", checks });
            return Results.Text(body, "application/json", statusCode: ready ? 200 : 503);
        });
    }
}
