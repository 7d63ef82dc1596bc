using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Trust;

/// <summary>
/// One real gateway process (shared dev PKI, file directory, trust engine) for a test class, with
/// the dev CPS client certificate loaded.
/// </summary>
public sealed class RunningGateway : IAsyncLifetime
{
    public const string Sender = "dev.sender@hopital-dev.mssante.test";

    public const string Recipient = "dev.recipient@hopital-dev.mssante.test";

    private GatewayTestEnvironment? _env;
    private GatewayProcess? _gateway;
    private X509Certificate2? _certificate;

    public GatewayTestEnvironment Environment => _env ?? throw new InvalidOperationException("not started");

    public GatewayProcess Process => _gateway ?? throw new InvalidOperationException("not started");

    public X509Certificate2 ClientCertificate => _certificate ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _env = await GatewayTestEnvironment.CreateAsync();
        _certificate = X509CertificateLoader.LoadPkcs12FromFile(_env.Pki.ClientPkcs12, DevPki.ClientPkcs12Password);
        _gateway = await _env.StartAsync();
    }

    /// <summary>Connects with the dev CPS certificate (STARTTLS on submission or implicit TLS on smtps) and says EHLO.</summary>
    public async Task<SmtpTestClient> ConnectAsync(bool implicitTls = false, X509Certificate2? certificate = null)
    {
        var cert = certificate ?? ClientCertificate;
        var client = await SmtpTestClient.ConnectAsync(implicitTls ? Environment.SmtpsPort : Environment.SubmissionPort, cert, implicitTls);
        (await client.ReadReplyAsync()).AssertCode(220);
        if (!implicitTls)
        {
            await client.StartTlsAsync(cert);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _certificate?.Dispose();
        _env?.Dispose();
    }
}
