using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>
/// A real Prometheus (the Debian package's /usr/bin/prometheus) on a free loopback port, scraping one
/// target every second, with its TSDB in a temp folder; queried through its HTTP API.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _temp;

    private PrometheusServer(Process process, TempDirectory temp, int port)
    {
        _process = process;
        _temp = temp;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Http { get; }

    public const string Job = "mssante-gateway";

    public static async Task<PrometheusServer> StartAsync(int targetPort)
    {
        var temp = new TempDirectory("mssgw-prometheus");
        var port = FreePort.Next();
        var config = temp.Combine("prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {Job}
                static_configs:
                  - targets: ['127.0.0.1:{targetPort}']
            """);
        var psi = new ProcessStartInfo("/usr/bin/prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = temp.Path,
        };
        foreach (var a in new[] { "--config.file=" + config, "--storage.tsdb.path=" + temp.Combine("data"), "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start prometheus");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, temp, port);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited {process.ExitCode}");
            }

            try
            {
                using var ready = await server.Http.GetAsync(new Uri("-/ready", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("prometheus not ready in 60 s");
    }

    /// <summary>Instant query; returns (labels, value) of each series.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        var json = await Http.GetStringAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative));
        using var doc = JsonDocument.Parse(json);
        var list = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var r in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
            var value = double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            list.Add((labels, value));
        }

        return list;
    }

    /// <summary>Polls a query until its first series satisfies <paramref name="accept"/> (scrapes come every second).</summary>
    public async Task<double> WaitForValueAsync(string promql, Func<double, bool> accept, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> last = [];
        while (DateTime.UtcNow < deadline)
        {
            last = await QueryAsync(promql);
            if (last.Count > 0 && accept(last[0].Value))
            {
                return last[0].Value;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Prometheus query '{promql}' never satisfied the condition; last result: {string.Join(", ", last.Select(r => r.Value))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Http.Dispose();
        _temp.Dispose();
    }
}
