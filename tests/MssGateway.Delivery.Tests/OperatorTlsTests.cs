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
