using System.Diagnostics;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests.Fixtures;

/// <summary>A real redis-server on a free loopback port, in a temp folder, without persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;

    private RedisServer(Process process, TempDirectory dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(params string[] extraArgs)
    {
        var dir = new TempDirectory("mssgw-redis");
        var port = FreePort.Next();
        var psi = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir.Path,
        };
        foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", dir.Path }.Concat(extraArgs))
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, dir, port);
        await WaitForPingAsync(port);
        return server;
    }

    public static async Task WaitForPingAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            var r = await ExternalProcess.RunAsync("redis-cli", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "ping");
            if (r.StdOut.Trim() == "PONG")
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"redis-server on port {port} did not answer PING");
    }

    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _dir.Dispose();
    }
}
