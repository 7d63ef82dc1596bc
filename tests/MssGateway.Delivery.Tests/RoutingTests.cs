using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace MssGateway.Delivery.Tests;

/// <summary>MX routing and the limits the scheduler keeps per destination.</summary>
public sealed class RoutingTests(TestPki pki) : IClassFixture<TestPki>
{
    [Fact]
    public async Task Next_MX_host_is_tried_when_the_first_refuses_the_connection()
    {
        await using var server = new TestSmtpServer(pki.Peer); // listens on 127.0.0.1 only: 127.0.0.2 refuses
        var mx = new FixedMx(["127.0.0.2", "127.0.0.1"]);
        await using var h = new DeliveryHarness(
            new() { ["Gateway:Delivery:RemotePort"] = server.Port.ToString(CultureInfo.InvariantCulture) },
            pki,
            configure: s => s.AddSingleton<IMxResolver>(mx));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@operateur-b.test"]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery through the second MX");

        Assert.Equal(["operateur-b.test"], mx.Asked.Distinct());
        Assert.True(server.Transactions.Single().Tls);
    }

    [Fact]
    public async Task Null_MX_fails_the_recipient_with_a_DSN_and_contacts_nobody()
    {
        await using var server = new TestSmtpServer();
        var mx = new FixedMx([]) { Failure = new DeliveryReply(550, "5.1.10", "the recipient domain accepts no mail (null MX)") };
        await using var h = new DeliveryHarness(
            new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) },
            configure: s => s.AddSingleton<IMxResolver>(mx));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@operateur-b.test"]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the DSN to the local sender");

        var dsn = server.Transactions.Single();
        Assert.StartsWith("MAIL FROM:<>", dsn.MailFrom, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.10", dsn.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transactions_to_one_destination_never_exceed_the_concurrency_limit()
    {
        await using var server = new TestSmtpServer { DataDelay = TimeSpan.FromMilliseconds(150) };
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:ConcurrencyPerDestination"] = "2",
            ["Gateway:Delivery:MaxConcurrentDeliveries"] = "8",
        });
        for (var i = 0; i < 12; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"c{i}@x"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.Transactions.Count == 12 && h.SpoolIsEmpty(), "all twelve", 40);

        Assert.InRange(server.MaxConcurrent, 1, 2);
    }

    private sealed class FixedMx(IReadOnlyList<string> hosts) : IMxResolver
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Asked { get; } = new();

        public DeliveryReply? Failure { get; init; }

        public ValueTask<MxLookupResult> ResolveAsync(string domain, CancellationToken ct)
        {
            Asked.Enqueue(domain);
            return ValueTask.FromResult(Failure is null ? MxLookupResult.Found(hosts) : MxLookupResult.Fail(Failure));
        }
    }
}
