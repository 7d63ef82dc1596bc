using System.Diagnostics;
using StackExchange.Redis;

namespace MssGateway.Testing;

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

    public static Task<RedisServer> StartAsync(params string[] extraArgs) => StartAsync(null, extraArgs);

    /// <summary>On a given port (e.g. to restart a server where a client expects it).</summary>
    public static Task<RedisServer> StartOnPortAsync(int port, params string[] extraArgs) => StartCoreAsync(null, port, extraArgs);

    /// <summary>With <paramref name="tls"/> (PEM files), the server listens only with TLS (client certificates not required).</summary>
    public static Task<RedisServer> StartAsync((string Certificate, string Key, string Ca)? tls, params string[] extraArgs) =>
        StartCoreAsync(tls, FreePort.Next(), extraArgs);

    private static async Task<RedisServer> StartCoreAsync((string Certificate, string Key, string Ca)? tls, int port, string[] extraArgs)
    {
        var dir = new TempDirectory("mssgw-redis");
        var psi = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir.Path,
        };
        var p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] listen = tls is { } t
            ? ["--port", "0", "--tls-port", p, "--tls-cert-file", t.Certificate, "--tls-key-file", t.Key, "--tls-ca-cert-file", t.Ca, "--tls-auth-clients", "no"]
            : ["--port", p];
        foreach (var a in listen.Concat(["--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", dir.Path]).Concat(extraArgs))
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, dir, port);
        await WaitForPingAsync(port, tls?.Ca);
        return server;
    }

    public static async Task WaitForPingAsync(int port, string? tlsCa = null)
    {
        string[] args = tlsCa is null
            ? ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "ping"]
            : ["--tls", "--cacert", tlsCa, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "ping"];
        for (var i = 0; i < 100; i++)
        {
            var r = await ExternalProcess.RunAsync("redis-cli", args);
            if (r.StdOut.Trim() == "PONG" || r.StdOut.Contains("NOAUTH", StringComparison.Ordinal))
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
