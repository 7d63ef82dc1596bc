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
    public async Task Observable_gauge_series_it_no_longer_reports_are_removed_not_left_at_their_last_value()
    {
        // A series that exists only while something is wrong (a dead destination): once it is not reported, an
        // alert on it must stop, so it must not stay at its last value.
        var dead = new List<(string Destination, long Parked)> { ("domain:a.test", 3), ("domain:b.test", 5) };
        _meter.CreateObservableGauge("mssgw_test_parked", () => dead.Select(d => new Measurement<long>(d.Parked, new KeyValuePair<string, object?>("destination", d.Destination))).ToList());
        var first = await ScrapeAsync();
        Assert.Contains("mssgw_test_parked{destination=\"domain:a.test\"} 3", first, StringComparison.Ordinal);
        Assert.Contains("mssgw_test_parked{destination=\"domain:b.test\"} 5", first, StringComparison.Ordinal);

        dead.RemoveAt(0);
        var second = await ScrapeAsync();
        Assert.DoesNotContain("domain:a.test", second, StringComparison.Ordinal);
        Assert.Contains("mssgw_test_parked{destination=\"domain:b.test\"} 5", second, StringComparison.Ordinal);

        dead.Clear();
        Assert.DoesNotContain("mssgw_test_parked{", await ScrapeAsync(), StringComparison.Ordinal);
        dead.Add(("domain:a.test", 1));
        Assert.Contains("mssgw_test_parked{destination=\"domain:a.test\"} 1", await ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recorded_gauge_keeps_its_series_across_scrapes()
    {
        var gauge = _meter.CreateGauge<long>("mssgw_test_recorded");
        gauge.Record(7, new KeyValuePair<string, object?>("kind", "x"));
        Assert.Contains("mssgw_test_recorded{kind=\"x\"} 7", await ScrapeAsync(), StringComparison.Ordinal);
        Assert.Contains("mssgw_test_recorded{kind=\"x\"} 7", await ScrapeAsync(), StringComparison.Ordinal);
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
