using System.Globalization;
using System.Text;

namespace MssGateway.Delivery.Tests;

/// <summary>LMTP to the internal mail store (RFC 2033): one reply per recipient after the data.</summary>
public sealed class LmtpDeliveryTests
{
    [Fact]
    public async Task Lmtp_reply_per_recipient_after_data_decides_each_recipient()
    {
        await using var server = new TestSmtpServer(lmtp: true);
        var fullTries = 0;
        server.DataReply = (_, rcpt) => rcpt switch
        {
            "plein@hopital-a.test" => Interlocked.Increment(ref fullTries) == 1 ? "452 4.2.2 mailbox full" : null,
            "ferme@hopital-a.test" => "550 5.2.1 mailbox disabled",
            _ => null,
        };
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:InternalNextHop:Protocol"] = "Lmtp",
        });
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["ok@hopital-a.test", "plein@hopital-a.test", "ferme@hopital-a.test"]);

        // ok delivered at once, plein on the retry, then the DSN for ferme.
        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 3, "LMTP outcomes");

        Assert.Contains(server.Commands, c => c.StartsWith("LHLO ", StringComparison.Ordinal));
        var first = server.Transactions.First();
        Assert.Equal(Encoding.UTF8.GetBytes(SampleMessages.Clinical()), first.Data);
        Assert.Equal(["RCPT TO:<ok@hopital-a.test>"], first.RcptTo);
        var dsn = Assert.Single(server.Transactions, t => t.MailFrom.StartsWith("MAIL FROM:<>", StringComparison.Ordinal));
        Assert.Contains("Final-Recipient: rfc822; ferme@hopital-a.test", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("Status: 5.2.1", dsn.Text, StringComparison.Ordinal);
    }
}
