using System.Diagnostics;
using System.Net.Http;
using System.Text;
using System.Text.Json;

namespace MssGateway.Testing;

/// <summary>
/// The real gateway executable (mssgw.dll next to the test assembly) as a child process with a
/// test configuration file: started, probed on /healthz, stopped with SIGTERM or killed with SIGKILL.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<string> _stdout = [];
    private readonly Lock _outputLock = new();

    private GatewayProcess(Process process, int httpPort)
    {
        _process = process;
        HttpPort = httpPort;
    }

    public int HttpPort { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Writes <paramref name="configuration"/> (the "Gateway" section's content) to a file and starts the gateway (with extra <paramref name="environment"/> variables).</summary>
    public static async Task<GatewayProcess> StartAsync(string workDirectory, object configuration, int httpPort, bool waitReady = true, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null)
    {
        var configPath = Path.Combine(workDirectory, "gateway.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(new { Gateway = configuration }, new JsonSerializerOptions { WriteIndented = true }));
        var dll = Path.Combine(AppContext.BaseDirectory, "mssgw.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("mssgw.dll not found next to the tests: the test project must reference gateway/MssGateway.Host", dll);
        }

        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(configPath);
        foreach (var argument in arguments ?? [])
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment.Remove("ASPNETCORE_URLS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the gateway");
        var gateway = new GatewayProcess(process, httpPort);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data, stdout: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitReady)
        {
            await gateway.WaitHealthyAsync();
        }

        return gateway;
    }

    /// <summary>Lines the gateway wrote on stdout (the log lines), in order.</summary>
    public IReadOnlyList<string> StdOutLines
    {
        get
        {
            lock (_outputLock)
            {
                return _stdout.ToArray();
            }
        }
    }

    private void Append(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
            if (stdout)
            {
                _stdout.Add(line);
            }
        }
    }

    public async Task WaitHealthyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"gateway exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                var r = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/readyz"));
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("gateway not ready in time:\n" + Output);
    }

    /// <summary>SIGKILL: the process dies at once, as in a power loss of the process (the OS keeps what was fsync'd).</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (what Kubernetes and systemd send), then wait for exit.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        await SendSigtermAsync();
        return await WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGTERM without waiting.</summary>
    public async Task SendSigtermAsync()
    {
        if (!_process.HasExited)
        {
            (await ExternalProcess.RunAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess("kill -TERM");
        }
    }

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
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
