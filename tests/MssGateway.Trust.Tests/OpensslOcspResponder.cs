using System.Diagnostics;
using System.Globalization;

namespace MssGateway.Trust.Tests;

/// <summary>
/// A real OCSP responder, <c>openssl ocsp -port</c>, on the loopback port the test certificates name in
/// their AIA, answering from the PERSONNES CA's database and signing with the given certificate.
/// </summary>
public sealed class OpensslOcspResponder : IAsyncDisposable
{
    private readonly Process _process;

    private OpensslOcspResponder(Process process)
    {
        _process = process;
    }

    /// <param name="signer">Certificate (and key of the same name) that signs the responses: "ca-pers" or a certs/ responder.</param>
    /// <param name="extra">More arguments (-ndays, -nmin…).</param>
    public static async Task<OpensslOcspResponder> StartAsync(TestPki pki, string signer, params string[] extra)
    {
        var (cert, key) = signer == "ca-pers" ? ("ca-pers.pem", "ca-pers.key") : ($"certs/{signer}.pem", $"certs/{signer}.key");
        var psi = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = pki.Root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "ocsp", "-index", "db/ca-pers/index.txt", "-port", pki.OcspPort.ToString(CultureInfo.InvariantCulture), "-rsigner", cert, "-rkey", key, "-CA", "ca-pers.pem" }.Concat(extra.Length > 0 ? extra : ["-ndays", "1"]))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OPENSSL_CONF"] = "/dev/null";

        // The responder serves one connection at a time: wait for its banner rather than probing the port.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Banner(e.Data);
        process.ErrorDataReceived += (_, e) => Banner(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var responder = new OpensslOcspResponder(process);
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await responder.DisposeAsync();
            throw;
        }

        return responder;

        void Banner(string? line)
        {
            if (line is not null && line.Contains("waiting for OCSP client connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
