using System.Diagnostics;
using System.Globalization;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// bench/lib/smtpload_clock.py starts issue 13's end-to-end runs (bench/e2e-share.sh, bench/compare-postfix-e2e.sh):
/// the time it writes must be the load script's first connection, not the interpreter's start (0.2 s earlier,
/// 6 % of a run), and the script must run as it would alone, with its own arguments.
/// </summary>
public sealed class BenchClockTests
{
    private const string LoadScript = """
        import asyncio, sys, time
        async def main():
            server = await asyncio.start_server(lambda r, w: w.close(), '127.0.0.1', 0)
            port = server.sockets[0].getsockname()[1]
            await asyncio.sleep(0.3)  # the load tool's own start: certificates, contexts
            print(f'before_connect={time.time():.6f}', flush=True)
            for _ in range(2):
                r, w = await asyncio.open_connection('127.0.0.1', port)
                w.close()
            print('args=' + ' '.join(sys.argv[1:]))
            server.close()
        asyncio.run(main())
        """;

    [Fact]
    public async Task The_time_written_is_the_first_connection_and_the_script_gets_its_arguments()
    {
        using var dir = new MssGateway.Testing.TempDirectory("bench-clock");
        var script = dir.Combine("load.py");
        await File.WriteAllTextAsync(script, LoadScript);
        var clock = dir.Combine("start.txt");

        var output = await RunAsync(clock, script, "--port", "25", "--messages", "10");

        var beforeConnect = double.Parse(output.Split('\n').Single(l => l.StartsWith("before_connect=", StringComparison.Ordinal))["before_connect=".Length..], CultureInfo.InvariantCulture);
        var written = double.Parse(await File.ReadAllTextAsync(clock), CultureInfo.InvariantCulture);
        Assert.True(written >= beforeConnect, $"the clock says {written:F6}, the script was about to connect at {beforeConnect:F6}: a time before the first connection");
        Assert.Contains("args=--port 25 --messages 10", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_script_that_never_connects_leaves_no_time_to_be_read_as_one()
    {
        using var dir = new MssGateway.Testing.TempDirectory("bench-clock");
        var script = dir.Combine("noop.py");
        await File.WriteAllTextAsync(script, "print('nothing sent')\n");
        var clock = dir.Combine("start.txt");

        var output = await RunAsync(clock, script);

        Assert.Contains("nothing sent", output, StringComparison.Ordinal);
        Assert.Equal("none", (await File.ReadAllTextAsync(clock)).Trim());
    }

    private static async Task<string> RunAsync(string clock, string script, params string[] args)
    {
        var psi = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(MssGateway.Testing.RepositoryPaths.Combine("bench", "lib", "smtpload_clock.py"));
        psi.ArgumentList.Add(clock);
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"smtpload_clock.py exited {p.ExitCode}: {await stderr}");
        return await stdout;
    }
}
