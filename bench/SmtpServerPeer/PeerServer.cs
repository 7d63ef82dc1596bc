using System.Globalization;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.ComponentModel;

namespace MssGateway.Bench.SmtpServerPeer;

/// <summary>
/// The benchmark peer of docs/smtp.md "Why our own engine": the NuGet package SmtpServer 11.1.0 on one
/// STARTTLS endpoint, storing each message with <see cref="FsyncMessageStore"/> (fsync before the 250),
/// driven by the same load tool as the gateway (bench/compare-postfix.sh with PEER=smtpserver).
/// Usage: smtpserver-peer --port P --cert server.pem --key server.key --spool DIR
/// </summary>
public static class PeerServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name) => args[Array.IndexOf(args, name) + 1];
        var port = int.Parse(Arg("--port"), CultureInfo.InvariantCulture);
        var spool = Directory.CreateDirectory(Arg("--spool")).FullName;
        using var pem = X509Certificate2.CreateFromPemFile(Arg("--cert"), Arg("--key"));
        // OpenSSL-backed SslStream needs a key it can use: re-import as PKCS#12 (as the gateway does).
        using var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);

        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtpserver-peer.test")
            .MaxMessageSize(20 * 1024 * 1024, MaxMessageSizeHandling.Strict)
            .Endpoint(e => e.Port(port, false).IsSecure(false).Certificate(certificate).SupportedSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13))
            .Build();
        var services = new ServiceProvider();
        services.Add(new FsyncMessageStore(spool));
        var server = new SmtpServer.SmtpServer(options, services);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        await Console.Out.WriteLineAsync($"smtpserver-peer listening on 127.0.0.1:{port}");
        try
        {
            await server.StartAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        return 0;
    }
}
