using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>
/// The real gateway (mssgw.dll next to the test assembly) as a child process on free loopback ports,
/// with a temp spool, a copy of the dev directory and the dev-style PKI. Listeners: "submission"
/// (STARTTLS, client certificate required), "smtps" (implicit TLS) and "relay" (plain, no TLS: for
/// tests that speak raw SMTP). Stdout/stderr are captured line by line; stop with SIGTERM.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _temp;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private GatewayProcess(Process process, TempDirectory temp, int submission, int smtps, int relay, int http, string pki)
    {
        _process = process;
        _temp = temp;
        SubmissionPort = submission;
        SmtpsPort = smtps;
        RelayPort = relay;
        HttpPort = http;
        PkiDirectory = pki;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int SubmissionPort { get; }

    public int SmtpsPort { get; }

    public int RelayPort { get; }

    public int HttpPort { get; }

    public string PkiDirectory { get; }

    public HttpClient Http { get; }

    public string DirectoryFile => _temp.Combine("directory.json");

    public string SpoolPath => _temp.Combine("spool");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> StdOutLines => _stdout.ToArray();

    public string AllOutput => string.Join('\n', _stdout) + "\n" + string.Join('\n', _stderr);

    /// <summary>Starts the gateway; <paramref name="configure"/> edits the "Gateway" section before it is written.</summary>
    public static async Task<GatewayProcess> StartAsync(Action<JsonObject>? configure = null, string logFormat = "Json")
    {
        var pki = await OperationsPki.DirectoryAsync();
        var temp = new TempDirectory("mssgw-ops");
        File.Copy(RepositoryPaths.Combine("gateway", "MssGateway.Host", "dev", "directory.json"), temp.Combine("directory.json"));
        int submission = FreePort.Next(), smtps = FreePort.Next(), relay = FreePort.Next(), http = FreePort.Next();
        var gateway = new JsonObject
        {
            ["ServerName"] = "gateway.hopital-dev.mssante.test",
            ["Listeners"] = new JsonArray(
                Listener("submission", submission, "StartTls", true, "Require"),
                Listener("smtps", smtps, "Implicit", true, "Require"),
                Listener("relay", relay, "None", false, "None")),
            ["Tls"] = new JsonObject
            {
                ["CertificateFile"] = Path.Combine(pki, "server.pem"),
                ["KeyFile"] = Path.Combine(pki, "server.key"),
                ["ChainFile"] = Path.Combine(pki, "ca-elementaire-organisations.pem"),
            },
            ["Trust"] = new JsonObject
            {
                ["AnchorPaths"] = new JsonArray(Path.Combine(pki, "ca.pem")),
                ["Revocation"] = new JsonObject
                {
                    ["UseDistributionPoints"] = false,
                    ["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(pki, "crl")).Select(f => (JsonNode)f).ToArray()),
                    ["CacheDirectory"] = temp.Combine("crl-cache"),
                },
            },
            ["Spool"] = new JsonObject { ["Path"] = temp.Combine("spool"), ["MinimumFreeBytes"] = 1024 },
            ["Http"] = new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = http },
            ["Directory"] = new JsonObject { ["Kind"] = "File", ["File"] = temp.Combine("directory.json") },
            ["Delivery"] = new JsonObject { ["Enabled"] = false },
            ["Logging"] = new JsonObject { ["Format"] = logFormat },
            ["Shutdown"] = new JsonObject { ["DrainTimeout"] = "00:00:20", ["ReadinessDelay"] = "00:00:00" },
        };
        configure?.Invoke(gateway);
        var configFile = temp.Combine("appsettings.test.json");
        await File.WriteAllTextAsync(configFile, new JsonObject { ["Gateway"] = gateway }.ToJsonString());

        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = temp.Path,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mssgw.dll"));
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(configFile);
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment.Remove("ASPNETCORE_URLS");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet mssgw.dll");
        var gp = new GatewayProcess(process, temp, submission, smtps, relay, http, pki);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                gp._stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                gp._stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await gp.WaitForListenersAsync();
        return gp;
    }

    private static JsonObject Listener(string name, int port, string tlsMode, bool requireTls, string clientCertificate) => new()
    {
        ["Name"] = name,
        ["Address"] = "127.0.0.1",
        ["Port"] = port,
        ["TlsMode"] = tlsMode,
        ["RequireTls"] = requireTls,
        ["ClientCertificate"] = clientCertificate,
        ["SmimePolicy"] = "Tag",
    };

    /// <summary>Waits until /readyz reports the listeners bound (other checks may fail on purpose).</summary>
    private async Task WaitForListenersAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
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

    /// <summary>Sends SIGTERM (what Kubernetes and systemd send).</summary>
    public async Task SendSigtermAsync() =>
        (await ExternalProcess.RunAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess("kill -TERM");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await SendSigtermAsync();
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        Http.Dispose();
        _temp.Dispose();
    }
}
