using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MssGateway.Host.Tests.Cli;
using MssGateway.Testing;
using Xunit.Abstractions;

namespace MssGateway.Host.Tests.DevMode;

/// <summary>
/// "See it work in five minutes": <c>./run.sh</c> in a fresh copy of the repository's dev files, then
/// the swaks line it prints, ends with a readable message in <c>.dev/maildir/new/</c> carrying the
/// gateway's Authentication-Results — through the real accept, spool and delivery path. The test
/// runs run.sh itself (with the test build of mssgw through MSSGW_DLL, and free ports) and the very
/// commands it prints.
/// </summary>
public sealed class DevModeMaildirTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempDirectory _copy = new("mssgw-devmode");

    [Fact]
    public async Task Run_sh_and_its_printed_swaks_line_end_with_a_message_in_the_dev_maildir_with_Authentication_Results()
    {
        foreach (var file in new[] { "run.sh", "scripts/dev-pki.sh", "gateway/MssGateway.Host/dev/directory.json" })
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(_copy.Combine(file))!);
            File.Copy(RepositoryPaths.Combine(file), _copy.Combine(file));
        }

        int submission = FreePort.Next(), smtps = FreePort.Next(), relay = FreePort.Next(), http = FreePort.Next(), maildir = FreePort.Next();
        await using var runSh = DevRun.Start(_copy.Path, Mssgw.Dll, [
            Port("Listeners:0:Port", submission), Port("Listeners:1:Port", smtps), Port("Listeners:2:Port", relay), Port("Http:Port", http), Port("DevMaildir:Port", maildir)]);
        await runSh.WaitReadyAsync(http);
        var printed = runSh.Output;
        log.WriteLine(printed);

        var swaks = PrintedCommand(printed, "swaks ").Replace("127.0.0.1:2587", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{submission}"), StringComparison.Ordinal);
        var sent = await ExternalProcess.BashAsync(swaks, _copy.Path);
        log.WriteLine(sent.StdOut);
        Assert.True(sent.ExitCode == 0, $"swaks failed ({sent.ExitCode}):\n{sent.StdOut}\n{sent.StdErr}\n--- gateway ---\n{runSh.Output}");
        Assert.Contains("250 2.0.0 Ok: queued as", sent.StdOut, StringComparison.Ordinal);

        var newDir = _copy.Combine(".dev", "maildir", "new");
        Assert.Contains(".dev/maildir/new/", printed, StringComparison.Ordinal);
        var delivered = await EndToEnd.EndToEndMail.EventuallyAsync(() => System.IO.Directory.Exists(newDir) && System.IO.Directory.GetFiles(newDir).Length == 1, TimeSpan.FromSeconds(60));
        Assert.True(delivered, "nothing in .dev/maildir/new:\n" + runSh.Output);

        // The reading line run.sh prints, run as printed.
        var read = await ExternalProcess.BashAsync(PrintedCommand(printed, "cat "), _copy.Path);
        var message = read.StdOut.Replace("\r\n", "\n", StringComparison.Ordinal);
        log.WriteLine(message);
        Assert.Equal(0, read.ExitCode);
        Assert.StartsWith("Return-Path: <dev.sender@hopital-dev.mssante.test>\nDelivered-To: dev.recipient@hopital-dev.mssante.test\n", message, StringComparison.Ordinal);
        var results = message.IndexOf("Authentication-Results: gateway.hopital-dev.mssante.test;", StringComparison.Ordinal);
        var received = message.IndexOf("\tby gateway.hopital-dev.mssante.test with ESMTPS id ", StringComparison.Ordinal);
        Assert.True(results > 0 && received > results, "no Authentication-Results above the gateway's Received:\n" + message);
        Assert.Contains("x-tls=pass", message, StringComparison.Ordinal);
        Assert.Contains("national identifier " + DevPki.ClientNationalIdentifier, message, StringComparison.Ordinal);
        Assert.Contains("This is a test mailing", message, StringComparison.Ordinal); // swaks's body, readable

        // Delivered, so gone from the queue; the queue CLI finds the dev spool with --dev.
        var queue = await Mssgw.RunAsync(["queue", "list", "--dev"], _copy.Path, null);
        Assert.Contains("-- 0 message(s)", queue.StdOut, StringComparison.Ordinal);

        // Issue 17: the spool is encrypted with the key run.sh generated once, the journal is on and verifies.
        Assert.True(File.Exists(_copy.Combine(".dev", "keys", "spool.key")), "run.sh made no spool key");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_copy.Combine(".dev", "keys", "spool.key")));
        }

        MssGateway.Testing.RawSpoolAssert.HoldsNone(_copy.Combine(".dev", "spool"), requireFiles: false, "This is a test mailing", "dev.recipient@");
        var verify = await Mssgw.RunAsync(["journal", "verify", "--dev"], _copy.Path, null);
        Assert.True(verify.ExitCode == 0, verify.StdOut + verify.StdErr);
        var export = await Mssgw.RunAsync(["journal", "export", "--dev"], _copy.Path, null);
        Assert.Contains("\"kind\":\"accept\"", export.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"delivery_attempt\"", export.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"deletion\"", export.StdOut, StringComparison.Ordinal);
        using var client = new HttpClient();
        using var readyz = JsonDocument.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{http}/readyz")));
        Assert.Equal("ready", readyz.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Dev_maildir_is_refused_outside_dev_mode()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Delivery"] = new System.Text.Json.Nodes.JsonObject { ["Enabled"] = true, ["LocalDomains"] = new System.Text.Json.Nodes.JsonArray("hopital-dev.mssante.test") };
        env.Configuration["DevMaildir"] = new System.Text.Json.Nodes.JsonObject { ["Path"] = Path.Combine(env.WorkDirectory, "maildir") };
        await using var gateway = await env.StartAsync(waitReady: false);

        var code = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        Assert.Contains("Gateway:DevMaildir:Path is for dev mode only", gateway.Output, StringComparison.Ordinal);
        Assert.False(System.IO.Directory.Exists(Path.Combine(env.WorkDirectory, "maildir")));
    }

    private static string Port(string key, int port) => string.Create(CultureInfo.InvariantCulture, $"--Gateway:{key}={port}");

    /// <summary>The command run.sh prints that starts with <paramref name="start"/> (backslash-continued lines joined).</summary>
    private static string PrintedCommand(string printed, string start)
    {
        var lines = printed.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var first = lines.FindIndex(l => l.TrimStart().StartsWith(start, StringComparison.Ordinal));
        Assert.True(first >= 0, $"run.sh printed no '{start.Trim()}' line:\n{printed}");
        var sb = new StringBuilder();
        for (var i = first; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            var continued = line.EndsWith('\\');
            sb.Append(continued ? line[..^1] : line).Append(' ');
            if (!continued)
            {
                break;
            }
        }

        return sb.ToString().Trim();
    }

    public void Dispose() => _copy.Dispose();

    /// <summary>run.sh as a child process (it execs the gateway), its output kept.</summary>
    private sealed class DevRun : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private DevRun(Process process)
        {
            _process = process;
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static DevRun Start(string directory, string dll, IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo("/bin/bash") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("run.sh");
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["MSSGW_DLL"] = dll;
            psi.Environment["DOTNET_gcServer"] = "0";
            psi.Environment.Remove("DOTNET_ENVIRONMENT");
            psi.Environment.Remove("ASPNETCORE_ENVIRONMENT");
            var run = new DevRun(Process.Start(psi) ?? throw new InvalidOperationException("could not start run.sh"));
            run._process.OutputDataReceived += (_, e) => run.Append(e.Data);
            run._process.ErrorDataReceived += (_, e) => run.Append(e.Data);
            run._process.BeginOutputReadLine();
            run._process.BeginErrorReadLine();
            return run;
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        public async Task WaitReadyAsync(int httpPort)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2); // run.sh makes the dev PKI first
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"run.sh exited {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    if ((await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/readyz"))).IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                await Task.Delay(200);
            }

            throw new TimeoutException("dev mode not ready in time:\n" + Output);
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
}
