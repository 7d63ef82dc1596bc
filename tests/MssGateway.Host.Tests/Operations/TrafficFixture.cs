namespace MssGateway.Host.Tests.Operations;

/// <summary>
/// One gateway (JSON logs) scraped by a real Prometheus, after traffic: an accepted message (with a
/// secret subject and body that must never reach the logs), a recipient refused as unknown, one
/// refused as on a non-authorised domain, and a session without a client certificate.
/// </summary>
public sealed class TrafficFixture : IAsyncLifetime
{
    public string SecretSubject { get; } = "Subject-secret-" + Guid.NewGuid().ToString("N");

    public string SecretBody { get; } = "Body-secret-" + Guid.NewGuid().ToString("N");

    public GatewayProcess Gateway { get; private set; } = null!;

    public PrometheusServer Prometheus { get; private set; } = null!;

    public IReadOnlyList<string> Replies { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Gateway = await GatewayProcess.StartAsync();
        var prometheusStart = PrometheusServer.StartAsync(Gateway.HttpPort);
        Replies =
        [
            await TestMail.SendAsync(Gateway, TestMail.Recipient, SecretSubject, SecretBody),
            await TestMail.SendAsync(Gateway, "nobody@hopital-dev.mssante.test", "unknown", "x"),
            await TestMail.SendAsync(Gateway, "someone@not-authorised.example", "domain", "x"),
            await TestMail.SendAsync(Gateway, TestMail.Recipient, "no certificate", "x", withCertificate: false),
        ];
        Prometheus = await prometheusStart;
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TrafficCollection : ICollectionFixture<TrafficFixture>
{
    public const string Name = "gateway with traffic, scraped by Prometheus";
}
