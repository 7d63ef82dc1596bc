using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Trust;

/// <summary>
/// DESIGN.md §3 trust engine: a CPS certificate listed in its CA's CRL is refused at the first
/// command after TLS. The class makes its own PKI (the shared one stays unrevoked), revokes the
/// client certificate with openssl and points the gateway's TLS, anchors and CRL files at it.
/// </summary>
public sealed class RevokedCertificateTests : IAsyncLifetime
{
    private readonly TempDirectory _pkiDir = new("mssgw-revoked-pki");
    private GatewayTestEnvironment? _env;
    private GatewayProcess? _gateway;
    private DevPki? _pki;

    public async Task InitializeAsync()
    {
        var dir = _pkiDir.Combine("pki");
        _pki = await DevPki.CreateAsync(dir);
        var environment = new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" };
        const string config = "db/ca-fort-personnes/ca.cnf";
        (await ExternalProcess.RunAsync("openssl", ["ca", "-config", config, "-revoke", "client-cps.pem"], workingDirectory: dir, environment: environment))
            .EnsureSuccess("openssl ca -revoke");
        (await ExternalProcess.RunAsync("openssl", ["ca", "-config", config, "-gencrl", "-out", "crl/ca-fort-personnes.crl.pem"], workingDirectory: dir, environment: environment))
            .EnsureSuccess("openssl ca -gencrl");

        _env = await GatewayTestEnvironment.CreateAsync();
        _env.Configuration["Tls"] = new JsonObject { ["CertificateFile"] = _pki.ServerCertificate, ["KeyFile"] = _pki.ServerKey, ["ChainFile"] = _pki.ServerChain };
        var trust = _env.Configuration["Trust"]!.AsObject();
        trust["AnchorPaths"] = new JsonArray(_pki.CaBundle);
        trust["Revocation"]!["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(dir, "crl")).Select(f => (JsonNode)f).ToArray());
        _gateway = await _env.StartAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_revoked_cps_certificate_is_refused_with_535_5_7_8_client_cert_revoked(bool implicitTls)
    {
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(_pki!.ClientPkcs12, DevPki.ClientPkcs12Password);
        await using var c = await SmtpTestClient.ConnectAsync(implicitTls ? _env!.SmtpsPort : _env!.SubmissionPort, certificate, implicitTls);
        (await c.ReadReplyAsync()).AssertCode(220);
        if (!implicitTls)
        {
            await c.StartTlsAsync(certificate);
        }

        ReplyAssert.Refused(await c.CommandAsync("EHLO client.hopital-dev.mssante.test"), 535, "5.7.8", "client_cert_revoked");
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _env?.Dispose();
        _pkiDir.Dispose();
    }
}
