using System.Text.Json;
using MssGateway.Host.Telemetry;

namespace MssGateway.Host;

/// <summary>
/// /healthz (the process answers: restart it if not) and /readyz (this instance should receive mail
/// now: every <see cref="IReadinessCheck"/> passes). /readyz names each check in its JSON body,
/// <c>{"status":"ready|not_ready","checks":{"spool":{"ok":true,"detail":"…"},…}}</c>, and answers 503
/// when any fails. docs/operations.md lists the checks.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (ReadinessEvaluator readiness, CancellationToken ct) =>
        {
            var results = await readiness.EvaluateAsync(ct);
            var ready = results.Values.All(r => r.Ready);
            var checks = results.OrderBy(r => r.Key, StringComparer.Ordinal)
                .ToDictionary(r => r.Key, r => new { ok = r.Value.Ready, detail = r.Value.Detail }, StringComparer.Ordinal);
            var body = JsonSerializer.Serialize(new { status = ready ? "ready" : "not_ready", checks });
            return Results.Text(body, "application/json", statusCode: ready ? 200 : 503);
        });
    }
}
