using System.Text.RegularExpressions;

namespace MssGateway.Host.Tests.Operations;

/// <summary>docs/metrics.md is the truth about /metrics (issue 7.1).</summary>
[Collection(TrafficCollection.Name)]
public sealed partial class MetricCatalogueTests(TrafficFixture fixture)
{
    [Fact]
    public async Task Every_mssgw_metric_on_the_endpoint_is_documented_with_its_type_and_labels()
    {
        var catalogue = MetricCatalogue.Load();
        var text = await fixture.Gateway.MetricsTextAsync();
        var types = TypePattern().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        Assert.NotEmpty(types);
        foreach (var (name, type) in types)
        {
            Assert.True(catalogue.TryGetValue(name, out var entry), $"{name} is on /metrics but not in docs/metrics.md");
            Assert.Equal(entry!.Type, type);
        }

        foreach (Match sample in SamplePattern().Matches(text))
        {
            var family = MetricCatalogue.FamilyOf(sample.Groups["name"].Value, catalogue);
            var labels = LabelNamePattern().Matches(sample.Groups["labels"].Value).Select(m => m.Groups[1].Value).Where(l => l != "le").ToHashSet(StringComparer.Ordinal);
            Assert.True(labels.SetEquals(catalogue[family].Labels), $"{sample.Value}: labels differ from docs/metrics.md ({string.Join(", ", catalogue[family].Labels)})");
        }
    }

    [Fact]
    public async Task Every_documented_smtp_and_host_metric_is_exposed()
    {
        var text = await fixture.Gateway.MetricsTextAsync();
        var exposed = TypePattern().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var missing = MetricCatalogue.Load().Values.Where(e => e.Component is "smtp" or "host").Select(e => e.Name).Where(n => !exposed.Contains(n)).ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Only_the_runtime_series_come_from_the_default_adapters_while_connections_are_open()
    {
        // Kestrel's instruments (active and queued connections, the memory pool's rents) are exported
        // only while they record: hold SMTP connections open and send a message so they would be live.
        using var first = new System.Net.Sockets.TcpClient();
        using var second = new System.Net.Sockets.TcpClient();
        await first.ConnectAsync("127.0.0.1", fixture.Gateway.SubmissionPort);
        await second.ConnectAsync("127.0.0.1", fixture.Gateway.SubmissionPort);
        using var reader = new StreamReader(first.GetStream());
        Assert.StartsWith("220", await reader.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("2.0.0", await TestMail.SendAsync(fixture.Gateway, TestMail.Recipient, "adapters", "x"), StringComparison.Ordinal);

        var names = SeriesNamePattern().Matches(await fixture.Gateway.MetricsTextAsync()).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(names, n => n.StartsWith("system_runtime_", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("microsoft_aspnetcore_", StringComparison.Ordinal) || n.StartsWith("system_net_", StringComparison.Ordinal)
            || n.StartsWith("mssgateway_", StringComparison.Ordinal) || n.Contains("kestrel", StringComparison.Ordinal));
    }

    [Fact]
    public void Catalogue_names_follow_the_naming_rules()
    {
        foreach (var e in MetricCatalogue.Load().Values)
        {
            Assert.StartsWith("mssgw_", e.Name, StringComparison.Ordinal);
            Assert.Equal(e.Type == "counter", e.Name.EndsWith("_total", StringComparison.Ordinal));
            Assert.DoesNotContain(e.Labels, l => l is "address" or "sender" or "recipient" or "subject" or "serial" or "queue_id");
        }
    }

    [GeneratedRegex(@"^# TYPE (mssgw_[a-z0-9_]+) (\w+)$", RegexOptions.Multiline)]
    private static partial Regex TypePattern();

    [GeneratedRegex(@"^(?<name>mssgw_[a-z0-9_]+)(\{(?<labels>[^}]*)\})? ", RegexOptions.Multiline)]
    private static partial Regex SamplePattern();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline)]
    private static partial Regex SeriesNamePattern();

    [GeneratedRegex(@"([a-z_]+)=""")]
    private static partial Regex LabelNamePattern();
}
