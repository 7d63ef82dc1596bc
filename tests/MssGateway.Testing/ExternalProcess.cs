using System.Diagnostics;
using System.Text;

namespace MssGateway.Testing;

/// <summary>Runs a real program (openssl, swaks, redis-cli…) and returns what it printed.</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public Result EnsureSuccess(string what)
        {
            if (ExitCode != 0)
            {
                throw new InvalidOperationException($"{what} exited {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}");
            }

            return this;
        }
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }

        return new Result(p.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> RunAsync(string file, params string[] args) => RunAsync(file, (IEnumerable<string>)args);

    /// <summary>Runs a command line through bash (for pipes); use only with test-controlled text.</summary>
    public static Task<Result> BashAsync(string script, string? workingDirectory = null, TimeSpan? timeout = null) =>
        RunAsync("/bin/bash", ["-c", script], workingDirectory, null, timeout);

    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Describe(IEnumerable<string> args)
    {
        var sb = new StringBuilder();
        foreach (var a in args)
        {
            sb.Append(Quote(a)).Append(' ');
        }

        return sb.ToString();
    }
}
