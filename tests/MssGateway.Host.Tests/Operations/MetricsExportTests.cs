using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.1: the gateway's metrics, scraped by a real Prometheus, under their documented names and buckets.</summary>
[Collection(TrafficCollection.Name)]
public sealed class MetricsExportTests(TrafficFixture fixture)
{
    [Fact]
    public void Traffic_was_accepted_once_and_refused_three_times()
    {
        Assert.Contains("queued as", fixture.Replies[0], StringComparison.Ordinal);
        Assert.All(fixture.Replies.Skip(1), r => Assert.StartsWith("refused", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prometheus_reads_accepted_messages_and_refusals_by_reason()
    {
        var p = fixture.Prometheus;
        Assert.Equal(1, await p.WaitForValueAsync($"up{{job=\"{PrometheusServer.Job}\"}}", v => v == 1));
        Assert.Equal(1, await p.WaitForValueAsync("sum(mssgw_messages_accepted_total)", v => v >= 1));
        Assert.Equal(1, await p.WaitForValueAsync("sum(mssgw_smtp_refusals_total{reason=\"recipient_unknown\",stage=\"rcpt\"})", v => v >= 1));
        Assert.Equal(1, await p.WaitForValueAsync("sum(mssgw_smtp_refusals_total{reason=\"domain_not_authorised\"})", v => v >= 1));
        Assert.True(await p.WaitForValueAsync("sum(mssgw_tls_handshakes_total{listener=\"submission\",result=\"ok\"})", v => v >= 3) >= 3);
        Assert.True(await p.WaitForValueAsync("sum(mssgw_smtp_connections_total{listener=\"submission\"})", v => v >= 4) >= 4);
        Assert.Equal(1, await p.WaitForValueAsync("mssgw_queue_messages{state=\"incoming\"}", v => v == 1));
        Assert.Equal(1, await p.WaitForValueAsync("min(mssgw_readiness_check)", v => v == 1));
        Assert.Equal(1, await p.WaitForValueAsync("count(mssgw_build_info)", v => v == 1));
    }

    [Fact]
    public async Task A_session_without_client_certificate_is_counted_as_a_refusal()
    {
        var total = await fixture.Prometheus.WaitForValueAsync("sum(mssgw_smtp_refusals_total{reason=\"client_cert_missing\"}) or sum(mssgw_tls_handshakes_total{result!=\"ok\"})", v => v >= 1);
        Assert.True(total >= 1);
    }

    [Fact]
    public async Task Histograms_have_the_buckets_advised_for_smtp()
    {
        var p = fixture.Prometheus;
        // 10 MiB (the attachment limit) and 20 MiB (the SIZE limit) are buckets of the size histogram.
        // (Prometheus 2 keeps OpenMetrics' "10485760.0" spelling of le; Prometheus 3 normalises it.)
        Assert.Equal(1, await p.WaitForValueAsync("sum(mssgw_message_size_bytes_bucket{le=~\"10485760(.0)?\"})", v => v >= 1));
        Assert.Equal(1, await p.WaitForValueAsync("sum(mssgw_message_size_bytes_bucket{le=~\"20971520(.0)?\"})", v => v >= 1));
        Assert.True(await p.WaitForValueAsync("sum(mssgw_smtp_session_duration_seconds_bucket{le=~\"1800(.0)?\"})", v => v >= 4) >= 4);
        Assert.Equal(1, await p.WaitForValueAsync("sum(mssgw_smtp_data_duration_seconds_bucket{le=~\"30(.0)?\"})", v => v >= 1));
        var text = await fixture.Gateway.MetricsTextAsync();
        var sizeBuckets = Regex.Matches(text, "^mssgw_message_size_bytes_bucket\\{listener=\"submission\",le=\"([^\"]+)\"\\}", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["1024", "10240", "102400", "1048576", "5242880", "10485760", "15728640", "20971520", "52428800", "+Inf"], sizeBuckets);
    }

    [Fact]
    public async Task Server_certificate_expiry_is_the_loaded_certificates_not_after()
    {
        using var cert = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(fixture.Gateway.PkiDirectory, "server.pem"));
        var expected = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero).ToUnixTimeSeconds();
        var value = await fixture.Prometheus.WaitForValueAsync("mssgw_server_certificate_expiry_timestamp_seconds", _ => true);
        Assert.Equal(expected, (long)value);
    }

    [Fact]
    public async Task Gateway_metrics_are_exported_once_and_without_the_meter_prefix()
    {
        var text = await fixture.Gateway.MetricsTextAsync();
        Assert.DoesNotContain("mssgateway_", text, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(text, "^# TYPE mssgw_smtp_connections_total ", RegexOptions.Multiline));
        Assert.Empty(await fixture.Prometheus.QueryAsync("{__name__=~\"mssgateway_.*\"}"));
    }
}
