using MssGateway.Telemetry;
using System.Diagnostics.Metrics;
using System.Text;
using MssGateway.Host.Telemetry;
using Prometheus;

namespace MssGateway.Host.Tests.Operations;

/// <summary>The exporter publishes instruments under their own names, advised buckets and tags as labels.</summary>
public sealed class MeterPrometheusBridgeTests : IDisposable
{
    private readonly string _meterName = "MssGateway.Test." + Guid.NewGuid().ToString("N");
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Meter _meter;
    private readonly MeterPrometheusBridge _bridge;

    public MeterPrometheusBridgeTests()
    {
        _meter = new Meter(_meterName);
        _bridge = new MeterPrometheusBridge(_meterName, _registry);
    }

    private async Task<string> ScrapeAsync()
    {
        _bridge.RecordObservables();
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Counter_is_exported_under_its_exact_name_with_tags_as_labels()
    {
        var counter = _meter.CreateCounter<long>("mssgw_test_things_total", description: "Things.");
        counter.Add(2, new KeyValuePair<string, object?>("reason", "a"), new KeyValuePair<string, object?>("listener", "relay"));
        counter.Add(3, new KeyValuePair<string, object?>("listener", "relay"), new KeyValuePair<string, object?>("reason", "a"));
        var text = await ScrapeAsync();
        Assert.Contains("# TYPE mssgw_test_things_total counter", text, StringComparison.Ordinal);
        Assert.Contains("mssgw_test_things_total{listener=\"relay\",reason=\"a\"} 5", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Histogram_uses_the_bucket_boundaries_advised_by_the_instrument()
    {
        var histogram = _meter.CreateHistogram<double>("mssgw_test_duration_seconds", unit: "s",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 7, 300] });
        histogram.Record(6);
        var text = await ScrapeAsync();
        Assert.Contains("mssgw_test_duration_seconds_bucket{le=\"0.5\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("mssgw_test_duration_seconds_bucket{le=\"7\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("mssgw_test_duration_seconds_bucket{le=\"300\"} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("le=\"0.005\"", text, StringComparison.Ordinal); // prometheus-net's default buckets
    }

    [Fact]
    public async Task Up_down_counter_becomes_a_gauge_that_goes_down()
    {
        var active = _meter.CreateUpDownCounter<long>("mssgw_test_active");
        active.Add(3);
        active.Add(-1);
        var text = await ScrapeAsync();
        Assert.Contains("# TYPE mssgw_test_active gauge", text, StringComparison.Ordinal);
        Assert.Contains("mssgw_test_active 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Observable_gauge_is_read_at_scrape_time()
    {
        var value = 1L;
        _meter.CreateObservableGauge("mssgw_test_level", () => new Measurement<long>(value, new KeyValuePair<string, object?>("state", "x")));
        Assert.Contains("mssgw_test_level{state=\"x\"} 1", await ScrapeAsync(), StringComparison.Ordinal);
        value = 42;
        Assert.Contains("mssgw_test_level{state=\"x\"} 42", await ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_clash_between_instruments_keeps_the_first_and_never_breaks_the_scrape()
    {
        _meter.CreateCounter<long>("mssgw_test_clash_total").Add(4, new KeyValuePair<string, object?>("state", "a"));
        _meter.CreateObservableGauge("mssgw_test_clash_total", () => new Measurement<long>(9, new KeyValuePair<string, object?>("kind", "b")));
        var text = await ScrapeAsync();
        Assert.Contains("mssgw_test_clash_total{state=\"a\"} 4", text, StringComparison.Ordinal);
        Assert.DoesNotContain("kind=\"b\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instruments_of_other_meters_are_ignored()
    {
        using var other = new Meter(_meterName + ".other");
        other.CreateCounter<long>("mssgw_test_foreign_total").Add(1);
        Assert.DoesNotContain("mssgw_test_foreign_total", await ScrapeAsync(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _bridge.Dispose();
        _meter.Dispose();
    }
}
