using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MssGateway.Host.Tests.Operations;

/// <summary>
/// The real gateway for the operations tests: <see cref="GatewayTestEnvironment"/> (ports, spool, PKI,
/// directory) and <see cref="Testing.GatewayProcess"/> (the process), with the "relay" listener plain
/// (no TLS) for tests that speak raw SMTP, and the HTTP helpers these tests use.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly GatewayTestEnvironment _env;
    private readonly Testing.GatewayProcess _process;

    private GatewayProcess(GatewayTestEnvironment env, Testing.GatewayProcess process)
    {
        _env = env;
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{env.HttpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int SubmissionPort => _env.SubmissionPort;

    public int SmtpsPort => _env.SmtpsPort;

    public int RelayPort => _env.RelayPort;

    public int HttpPort => _env.HttpPort;

    public string PkiDirectory => _env.Pki.Directory;

    public HttpClient Http { get; }

    public string DirectoryFile => _env.DirectoryFile;

    public string SpoolPath => _env.SpoolPath;

    public int ProcessId => _process.ProcessId;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> StdOutLines => _process.StdOutLines;

    public string AllOutput => _process.Output;

    /// <summary>Starts the gateway; <paramref name="configure"/> edits the "Gateway" section before it is written.</summary>
    public static async Task<GatewayProcess> StartAsync(Action<JsonObject>? configure = null, string logFormat = "Json")
    {
        var env = await GatewayTestEnvironment.CreateAsync();
        var relay = env.Configuration["Listeners"]![2]!;
        relay["TlsMode"] = "None";
        relay["RequireTls"] = false;
        relay["ClientCertificate"] = "None";
        env.Configuration["Spool"]!["MinimumFreeBytes"] = 1024;
        env.Configuration["Logging"]!["Format"] = logFormat;
        env.Configuration["Shutdown"] = new JsonObject { ["DrainTimeout"] = "00:00:20", ["ReadinessDelay"] = "00:00:00" };
        configure?.Invoke(env.Configuration);
        var process = await env.StartAsync(waitReady: false);
        var gateway = new GatewayProcess(env, process);
        await gateway.WaitForListenersAsync();
        return gateway;
    }

    /// <summary>Waits until /readyz reports the listeners bound (other checks may fail on purpose).</summary>
    private async Task WaitForListenersAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"gateway exited {_process.ExitCode} at start-up:\n{AllOutput}");
            }

            try
            {
                var (_, body) = await ReadyzAsync();
                if (body.RootElement.GetProperty("checks").GetProperty("listeners").GetProperty("ok").GetBoolean())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("gateway did not become live in 60 s:\n" + AllOutput);
    }

    public async Task<(HttpStatusCode Status, JsonDocument Body)> ReadyzAsync()
    {
        using var response = await Http.GetAsync(new Uri("readyz", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text));
    }

    public async Task<string> MetricsTextAsync() => await Http.GetStringAsync(new Uri("metrics", UriKind.Relative));

    /// <summary>Polls /readyz until <paramref name="condition"/> holds; returns the last body.</summary>
    public async Task<JsonDocument> WaitForReadyzAsync(Func<HttpStatusCode, JsonDocument, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        JsonDocument? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await ReadyzAsync();
            last = body;
            if (condition(status, body))
            {
                return body;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("/readyz never reached the expected state; last: " + last?.RootElement.GetRawText());
    }

    public Task SendSigtermAsync() => _process.SendSigtermAsync();

    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StopAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
            {
                // DisposeAsync below kills it.
            }
        }

        await _process.DisposeAsync();
        Http.Dispose();
        _env.Dispose();
    }
}
