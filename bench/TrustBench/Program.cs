// Benchmark of the trust engine behind real TLS: full handshakes (no resumption) over loopback with a
// client certificate, each followed by the engine's check with revocation on (CRL files of the dev PKI).
// Usage: dotnet run -c Release --project bench/TrustBench -- [--seconds 10] [--concurrency 8] [--cache on|off] [--check on|off] [--pki DIR]
// Prints handshakes/s for the chosen cache mode, and the engine alone (checks/s, no TLS) for comparison.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MssGateway.Trust;

var seconds = IntArg("--seconds", 10);
var concurrency = IntArg("--concurrency", 8);
var cache = StringArg("--cache", "on") != "off";
var check = StringArg("--check", "on") != "off"; // off: TLS handshakes only, the baseline
var pki = StringArg("--pki", null) ?? Path.Combine(Path.GetTempPath(), "mssgw-trustbench-pki");

if (!File.Exists(Path.Combine(pki, "client-cps.p12")))
{
    var script = FindUp("scripts/dev-pki.sh");
    using var p = Process.Start("/bin/bash", [script, pki]);
    await p.WaitForExitAsync();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException("dev-pki.sh failed");
    }
}

var options = new TrustOptions
{
    AnchorPaths = [Path.Combine(pki, "ca.pem")],
    VerdictCacheDuration = cache ? TimeSpan.FromMinutes(5) : TimeSpan.Zero,
    Revocation = new RevocationOptions
    {
        Enabled = true,
        UseDistributionPoints = false,
        CrlFiles = Directory.GetFiles(Path.Combine(pki, "crl"), "*.crl.pem").ToList(),
        CacheDirectory = Path.Combine(pki, "crl-cache"),
    },
};
using var metrics = new TrustMetrics();
using var engine = new CertificateTrustEngine(Options.Create(options), metrics);

using var serverCert = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "server.pem"), Path.Combine(pki, "server.key"));
using var serverCertExportable = X509CertificateLoader.LoadPkcs12(serverCert.Export(X509ContentType.Pkcs12), null);
using var clientCert = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(pki, "client-cps.p12"), "dev");

// 1. The engine alone, without the verdict cache: the cost of a full check (path, KU/EKU, CRLs, identity).
var raw = new CertificateTrustEngine(Options.Create(new TrustOptions
{
    AnchorPaths = options.AnchorPaths,
    VerdictCacheDuration = TimeSpan.Zero,
    Revocation = options.Revocation,
}), metrics);
var leaf = X509CertificateLoader.LoadCertificate(clientCert.RawData);
var first = await raw.ValidateAsync(leaf, null, CertificateUsage.ClientAuth, null, default);
if (!first.IsTrusted)
{
    throw new InvalidOperationException("dev client certificate refused: " + first.Detail);
}

var sw = Stopwatch.StartNew();
var n = 0;
while (sw.Elapsed < TimeSpan.FromSeconds(Math.Min(seconds, 5)))
{
    await raw.ValidateAsync(leaf, null, CertificateUsage.ClientAuth, null, default);
    n++;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine only, no verdict cache, 1 thread: {n / sw.Elapsed.TotalSeconds:F0} checks/s ({sw.Elapsed.TotalMilliseconds * 1000 / n:F0} µs/check)"));

// 2. Full TLS handshakes with a client certificate, each checked by the engine.
var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
var port = ((IPEndPoint)listener.LocalEndpoint).Port;
using var stop = new CancellationTokenSource();
var refused = 0;
var serverLoop = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        TcpClient tcp;
        try
        {
            tcp = await listener.AcceptTcpClientAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            using (tcp)
            await using (var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true))
            {
                try
                {
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = serverCertExportable,
                        ClientCertificateRequired = true,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        AllowTlsResume = false,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    });
                    using var peer = ssl.RemoteCertificate is null ? null : X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate.GetRawCertData());
                    var trusted = !check || (await engine.ValidateAsync(peer, null, CertificateUsage.ClientAuth, null, default)).IsTrusted;
                    if (!trusted)
                    {
                        Interlocked.Increment(ref refused);
                    }

                    await ssl.WriteAsync(new[] { trusted ? (byte)'Y' : (byte)'N' });
                    await ssl.ShutdownAsync();
                }
                catch (Exception ex) when (ex is IOException or AuthenticationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });
    }
});

var handshakes = 0;
sw.Restart();
var deadline = TimeSpan.FromSeconds(seconds);
var clients = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
{
    var buffer = new byte[1];
    while (sw.Elapsed < deadline)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [clientCert],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        });
        var read = await ssl.ReadAsync(buffer);
        if (read == 1 && buffer[0] == (byte)'Y')
        {
            Interlocked.Increment(ref handshakes);
        }
    }
})).ToArray();
await Task.WhenAll(clients);
var elapsed = sw.Elapsed.TotalSeconds;
await stop.CancelAsync();
listener.Stop();
await serverLoop;

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"TLS handshakes with client certificate {(check ? $"+ check (revocation on, verdict cache {(cache ? "on" : "off")})" : "only (no trust check)")}, {concurrency} clients, {Environment.ProcessorCount} cores): {handshakes / elapsed:F0}/s ({handshakes} in {elapsed:F1} s, {refused} refused)"));

int IntArg(string name, int fallback) => StringArg(name, null) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name, string? fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static string FindUp(string relative)
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, relative)))
    {
        dir = dir.Parent;
    }

    return dir is null ? throw new FileNotFoundException(relative) : Path.Combine(dir.FullName, relative);
}
