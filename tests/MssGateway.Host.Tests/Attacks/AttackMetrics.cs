using System.Globalization;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>Reads the gateway's /metrics (Prometheus text) for the attack tests' counters.</summary>
public static class AttackMetrics
{
    public static async Task<string> ScrapeAsync(AttackGateway gateway)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{gateway.Environment.HttpPort}/metrics"));
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    public static double Value(string metrics, string name, params string[] labels)
    {
        double total = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal) || !labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }

            var value = line[(line.LastIndexOf(' ') + 1)..].Trim();
            total += double.Parse(value, CultureInfo.InvariantCulture);
        }

        return total;
    }
}
