using System.Text.Json;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.4: the Grafana dashboard is provisioning-ready and shows only documented metrics.</summary>
public sealed class DashboardTests
{
    private static JsonDocument Load() =>
        JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("helm", "mssante-gateway", "files", "grafana-dashboard.json")));

    private static IEnumerable<JsonElement> Panels(JsonElement container)
    {
        foreach (var p in container.GetProperty("panels").EnumerateArray())
        {
            yield return p;
            if (p.TryGetProperty("panels", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                foreach (var n in Panels(p))
                {
                    yield return n;
                }
            }
        }
    }

    [Fact]
    public void Dashboard_queries_reference_only_documented_metrics()
    {
        using var doc = Load();
        var catalogue = MetricCatalogue.Load();
        var exprs = Panels(doc.RootElement).Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.NotEmpty(exprs);
        var used = exprs.SelectMany(MetricCatalogue.NamesIn).Select(n => MetricCatalogue.FamilyOf(n, catalogue)).ToHashSet(StringComparer.Ordinal);
        var unknown = used.Where(n => !catalogue.ContainsKey(n)).ToArray();
        Assert.True(unknown.Length == 0, "not in docs/metrics.md: " + string.Join(", ", unknown));

        // The panels: traffic, refusals by reason, TLS/certificates, S/MIME, queue, delivery, directory freshness.
        foreach (var needed in new[]
        {
            "mssgw_smtp_connections_total", "mssgw_smtp_refusals_total", "mssgw_tls_handshakes_total", "mssgw_client_certificate_checks_total",
            "mssgw_smime_verdicts_total", "mssgw_queue_messages", "mssgw_delivery_duration_seconds", "mssgw_delivery_attempts_total",
            "mssgw_directory_last_success_timestamp_seconds", "mssgw_crl_next_update_timestamp_seconds", "mssgw_server_certificate_expiry_timestamp_seconds",

            // Issue 13's outbound connections: the pool, reuse and pipelining, dead destinations, peers out of step.
            "mssgw_delivery_connections_open", "mssgw_delivery_connections_total", "mssgw_delivery_connection_reuses_total",
            "mssgw_delivery_pipelined_transactions_total", "mssgw_delivery_dead_destinations", "mssgw_delivery_parked_messages",
            "mssgw_delivery_out_of_step_total",
        })
        {
            Assert.Contains(needed, used);
        }
    }

    [Fact]
    public void Dashboard_is_provisioning_ready_with_a_datasource_variable_and_unique_panel_ids()
    {
        using var doc = Load();
        var root = doc.RootElement;
        Assert.Equal("mssante-gateway", root.GetProperty("uid").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()));
        Assert.False(root.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "a provisioned dashboard must not carry a database id");
        Assert.False(root.TryGetProperty("__inputs", out _), "__inputs is for manual import, not provisioning");
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource");
        var panels = Panels(root).ToList();
        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var p in panels.Where(p => p.GetProperty("type").GetString() != "row"))
        {
            Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString());
        }
    }
}
