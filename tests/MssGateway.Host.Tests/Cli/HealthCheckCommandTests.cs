using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MssGateway.Host.Cli;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>
/// <c>mssgw healthcheck</c>, the probe of the Dockerfile HEALTHCHECK and compose's
/// <c>service_healthy</c>: exit 0 only when the endpoint answers 200; every other answer, no answer
/// and a silent server are 1, whatever the gateway's configuration.
/// </summary>
public sealed class HealthCheckCommandTests
{
    [Fact]
    public async Task A_running_gateway_is_ready_and_live()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        await using var gateway = await env.StartAsync();
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{env.HttpPort}");

        var ready = await Mssgw.RunAsync("healthcheck", "--url", url);
        var live = await Mssgw.RunAsync("healthcheck", "--live", "--url", url);

        Assert.Equal(0, ready.ExitCode);
        Assert.Contains("/readyz: 200", ready.StdOut, StringComparison.Ordinal);
        Assert.Equal(0, live.ExitCode);
        Assert.Contains("/healthz: 200", live.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_ready_is_exit_1_with_the_status_and_the_body_while_live_stays_0()
    {
        await using var server = new FakeHealthServer(readyz: (503, "{\"status\":\"not_ready\",\"checks\":{\"spool\":{\"ok\":false}}}"));

        var ready = await Mssgw.RunAsync("healthcheck", "--ready", "--url", server.Url);
        var live = await Mssgw.RunAsync("healthcheck", "--live", "--url", server.Url);

        Assert.Equal(HealthCheckCommand.ExitUnhealthy, ready.ExitCode);
        Assert.Contains("503", ready.StdOut, StringComparison.Ordinal);
        Assert.Contains("not_ready", ready.StdOut, StringComparison.Ordinal);
        Assert.Equal(0, live.ExitCode);
        Assert.Equal(["/readyz", "/healthz"], server.Paths);
    }

    [Fact]
    public async Task Default_url_is_the_gateway_http_port_on_loopback()
    {
        // Nothing may be listening on 9090 here; what matters is where the probe went.
        var r = await Mssgw.RunAsync("healthcheck", "--timeout", "2");

        Assert.Contains("http://127.0.0.1:9090/readyz", r.StdOut, StringComparison.Ordinal);
        Assert.Equal(HealthCheckCommand.DefaultUrl, "http://127.0.0.1:9090");
    }

    [Fact]
    public async Task A_url_with_a_path_is_used_as_given()
    {
        await using var server = new FakeHealthServer();

        var r = await Mssgw.RunAsync("healthcheck", "--url", server.Url + "/custom/probe");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(["/custom/probe"], server.Paths);
    }

    [Fact]
    public async Task Nothing_listening_is_exit_1()
    {
        var port = FreePort.Next();

        var r = await Mssgw.RunAsync("healthcheck", "--url", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));

        Assert.Equal(HealthCheckCommand.ExitUnhealthy, r.ExitCode);
        Assert.Contains("unreachable", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_is_exit_1_after_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, FreePort.Next());
        silent.Start();
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");

        var r = await Mssgw.RunAsync("healthcheck", "--url", url, "--timeout", "1");

        Assert.Equal(HealthCheckCommand.ExitUnhealthy, r.ExitCode);
        Assert.Contains("no answer within 1 s", r.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--url", "ftp://127.0.0.1:9090")]
    [InlineData("--timeout", "0")]
    [InlineData("--frobnicate", "x")]
    public async Task Bad_arguments_are_exit_2(string option, string value)
    {
        var r = await Mssgw.RunAsync("healthcheck", option, value);

        Assert.Equal(HealthCheckCommand.ExitUsage, r.ExitCode);
        Assert.Contains("usage: mssgw healthcheck", r.StdOut, StringComparison.Ordinal);
    }

    /// <summary>A loopback HTTP server answering /readyz and /healthz with chosen statuses, recording the paths asked.</summary>
    private sealed class FakeHealthServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private readonly (int Status, string Body) _readyz;
        private readonly List<string> _paths = [];

        public FakeHealthServer((int, string)? readyz = null)
        {
            _readyz = readyz ?? (200, "{\"status\":\"ready\"}");
            var port = FreePort.Next();
            Url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public IReadOnlyList<string> Paths
        {
            get
            {
                lock (_paths)
                {
                    return [.. _paths];
                }
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                var path = context.Request.Url!.AbsolutePath;
                lock (_paths)
                {
                    _paths.Add(path);
                }

                var (status, body) = path == "/readyz" ? _readyz : (200, "ok");
                context.Response.StatusCode = status;
                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
