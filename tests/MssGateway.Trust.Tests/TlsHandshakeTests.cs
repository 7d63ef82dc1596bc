using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// The engine behind a real TLS handshake over loopback (SslStream both sides): the client presents its
/// openssl-made CPS certificate with its intermediate; the server collects what the client sent and the
/// engine builds the path from it (no intermediate configured, none fetched).
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class TlsHandshakeTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Client_certificate_and_intermediate_from_the_handshake_are_validated()
    {
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [pki.File("root-fort.pem"), pki.File("root-elem.pem")]);
        var (verdict, extraCount) = await HandshakeAsync(engine, "cps-valid", sendIntermediate: true);
        Assert.True(verdict.IsTrusted, verdict.Detail);
        Assert.Equal("810100000008", verdict.Identity!.NationalIdentifier);
        Assert.True(extraCount >= 1);
    }

    [Fact]
    public async Task Client_that_does_not_send_its_intermediate_is_untrusted_when_none_is_configured()
    {
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [pki.File("root-fort.pem"), pki.File("root-elem.pem")]);
        var (verdict, _) = await HandshakeAsync(engine, "cps-valid", sendIntermediate: false);
        PathValidationTests.AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
    }

    private async Task<(CertificateVerdict Verdict, int ExtraCount)> HandshakeAsync(CertificateTrustEngine engine, string client, bool sendIntermediate)
    {
        using var serverCert = X509Certificate2.CreateFromPemFile(pki.File("certs", "server.pem"), pki.File("certs", "server.key"));
        using var serverCertWithKey = X509CertificateLoader.LoadPkcs12(serverCert.Export(X509ContentType.Pkcs12), null);
        using var clientCert = X509Certificate2.CreateFromPemFile(pki.File("certs", client + ".pem"), pki.File("certs", client + ".key"));
        using var clientCertWithKey = X509CertificateLoader.LoadPkcs12(clientCert.Export(X509ContentType.Pkcs12), null);

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sent = new X509Certificate2Collection();
        var serverSide = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, chain, _) =>
            {
                // What the client sent besides its certificate (the gateway's SmtpSessionInfo.ClientCertificateChain).
                foreach (var c in chain?.ChainPolicy.ExtraStore ?? [])
                {
                    sent.Add(X509CertificateLoader.LoadCertificate(c.RawData));
                }

                return true;
            });
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertWithKey,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            });
            using var peer = X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData());
            var verdict = await engine.ValidateAsync(peer, sent, CertificateUsage.ClientAuth, null, default);
            await ssl.WriteAsync(new[] { (byte)(verdict.IsTrusted ? 'Y' : 'N') });
            return verdict;
        });

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "mx.operateur.test",
                ClientCertificateContext = SslStreamCertificateContext.Create(clientCertWithKey, sendIntermediate ? [pki.Ca("ca-pers")] : [], offline: true),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            });
            var buffer = new byte[1];
            _ = await ssl.ReadAsync(buffer);
        }

        listener.Stop();
        var result = await serverSide;
        return (result, sent.Count);
    }
}
