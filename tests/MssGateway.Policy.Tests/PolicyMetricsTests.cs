using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace MssGateway.Policy.Tests;

/// <summary>The policy's metrics carry the documented names and bounded labels.</summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class PolicyMetricsTests
{
    [Fact]
    public async Task Refusals_verdicts_and_attachment_sizes_are_recorded()
    {
        using var harness = new PolicyHarness(settings: new Dictionary<string, string?> { ["MaxAttachmentBytes"] = "1000" });
        var factory = harness.Services.GetRequiredService<IMeterFactory>();
        var seen = new List<(string Name, long Value, string? Label)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == PolicyMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? label = null;
            foreach (var t in tags)
            {
                label = t.Key + "=" + t.Value;
            }

            lock (seen)
            {
                seen.Add((instrument.Name, value, label));
            }
        });
        listener.Start();

        await harness.EvaluateAsync(TestMessages.PlainText(), SmimePolicy.Tag);
        await harness.EvaluateAsync(TestMessages.PlainText(), SmimePolicy.Require);
        await harness.EvaluateAsync(
            TestMessages.Ascii(TestMessages.Headers + "Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(2000)),
            SmimePolicy.Tag);

        Assert.Equal(2, seen.Count(s => s is { Name: "mssgw_smime_verdicts_total", Label: "verdict=none" }));
        Assert.Contains(seen, s => s is { Name: "mssgw_policy_refusals_total", Label: "reason=smime_missing" });
        Assert.Contains(seen, s => s is { Name: "mssgw_policy_refusals_total", Label: "reason=attachments_too_big" });
        Assert.Equal(3, seen.Count(s => s.Name == "mssgw_attachment_bytes"));
        Assert.Contains(seen, s => s.Name == "mssgw_attachment_bytes" && s.Value > 1000);
    }
}
