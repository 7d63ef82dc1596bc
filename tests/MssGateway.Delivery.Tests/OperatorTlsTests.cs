using System.Globalization;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// Delivery to another MSSanté operator: STARTTLS required, the gateway's client certificate, and
/// nothing sent unless the peer's certificate chains to the trusted root and its subject DN is
/// listed for the recipient's domain.
/// </summary>
public sealed class OperatorTlsTests(TestPki pki) : IClassFixture<TestPki>
{
    private const string Recipient = "dr.durand@operateur-b.test";

    private static Dictionary<string, string?> Route(TestSmtpServer server) => new()
    {
        ["Gateway:Delivery:TransportMap:operateur-b.test"] = "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Trusted_peer_listed_for_the_domain_receives_the_message_over_mutual_TLS()
    {
        await using var server = new TestSmtpServer(pki.Peer);
        await using var h = new DeliveryHarness(Route(server), pki);
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), [Recipient]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery to the peer");

        var t = server.Transactions.Single();
        Assert.True(t.Tls);
        Assert.Contains("CN=gw.operateur-a.test", t.ClientCertificateSubject, StringComparison.Ordinal);
        Assert.Contains("x-mss-ins:   1234567890123^^^&1.2.250.1.213.1.4.8&ISO\r\n", t.Text, StringComparison.Ordinal);
        Assert.True(h.Validator.Calls >= 1);
    }

    /// <summary>
    /// The client certificate is read when a connection is opened, not for every message sent on a reused
    /// one (issue 13b: that cost six file stats per message); a certificate renewed on disk (a Kubernetes
    /// Secret updated in place) is still presented from the next new connection on.
    /// </summary>
    [Fact]
    public async Task Client_certificate_renewed_on_disk_is_presented_from_the_next_new_connection()
    {
        using var files = new MssGateway.Testing.TempDirectory();
        var certificateFile = Path.Combine(files.Path, "gateway.pem");
        var keyFile = Path.Combine(files.Path, "gateway.key");
        File.Copy(pki.GatewayCertificateFile, certificateFile);
        File.Copy(pki.GatewayKeyFile, keyFile);
        await using var server = new TestSmtpServer(pki.Peer);
        var settings = Route(server);
        settings["Gateway:Delivery:ClientCertificateFile"] = certificateFile;
        settings["Gateway:Delivery:ClientKeyFile"] = keyFile;
        settings["Gateway:Delivery:MaxMessagesPerConnection"] = "1"; // every message on a new connection
        await using var h = new DeliveryHarness(settings, pki);
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), [Recipient]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the first message");

        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=gw-renewed.operateur-a.test, O=OPERATEUR A TEST, C=FR", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var renewed = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(certificateFile, renewed.ExportCertificatePem());
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        }

        File.SetLastWriteTimeUtc(certificateFile, DateTime.UtcNow.AddMinutes(1)); // a change even on a coarse clock
        File.SetLastWriteTimeUtc(keyFile, DateTime.UtcNow.AddMinutes(1));
        await h.SubmitAsync(SampleMessages.Clinical(), [Recipient]);
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "the second message");

        var subjects = server.Transactions.Select(t => t.ClientCertificateSubject).ToList();
        Assert.Contains("CN=gw.operateur-a.test", subjects[0], StringComparison.Ordinal);
        Assert.Contains("CN=gw-renewed.operateur-a.test", subjects[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Peer_with_an_untrusted_certificate_receives_nothing_and_the_message_waits()
    {
        await using var server = new TestSmtpServer(pki.RoguePeer); // same subject DN, other root
        await using var h = new DeliveryHarness(Route(server), pki);
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), [Recipient]);

        var reply = await WaitForDeferralAsync(h, id);

        Assert.Contains("peer_cert_untrusted", reply, StringComparison.Ordinal);
        Assert.StartsWith("451 4.7.5", reply, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase) || c.StartsWith("RCPT", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task Peer_not_listed_for_the_recipient_domain_receives_nothing()
    {
        await using var server = new TestSmtpServer(pki.Peer);
        await using var h = new DeliveryHarness(Route(server), pki, peerSubjects: ["CN=mx.autre-operateur.test, O=AUTRE, C=FR"]);
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), [Recipient]);

        var reply = await WaitForDeferralAsync(h, id);

        Assert.Contains("peer_not_listed", reply, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Operator_that_does_not_offer_STARTTLS_receives_nothing_in_plain_text()
    {
        await using var server = new TestSmtpServer(certificate: null);
        await using var h = new DeliveryHarness(Route(server), pki);
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), [Recipient]);

        var reply = await WaitForDeferralAsync(h, id);

        Assert.Contains("starttls_not_offered", reply, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Waits for the first deferral and returns the recipient's recorded reply.</summary>
    private static async Task<string> WaitForDeferralAsync(DeliveryHarness h, string id)
    {
        string? reply = null;
        await h.WaitAsync(
            () =>
            {
                reply = h.Spool.ReadState(id)?.Recipients.SingleOrDefault()?.LastReply;
                return reply is not null;
            },
            "a deferral");
        Assert.Equal(RecipientStatus.Pending, h.Spool.ReadState(id)!.Recipients.Single().Status);
        return reply!;
    }
}
