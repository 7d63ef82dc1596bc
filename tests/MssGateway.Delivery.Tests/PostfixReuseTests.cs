using System.Globalization;
using System.Text;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// Connection reuse against a real Postfix (the hospital's internal system over STARTTLS), counted in
/// Postfix's own log: N messages open at most ceil(N / MaxMessagesPerConnection) connections, and every
/// message lands in the maildir once, sent with BDAT (Postfix offers CHUNKING) over pipelined commands,
/// transactions written behind one another on the connection (pipelining across transactions).
/// </summary>
public sealed class PostfixReuseTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    private const int Messages = 30;
    private const int PerConnection = 10;

    [Fact]
    public async Task Thirty_messages_to_Postfix_open_at_most_three_connections_and_each_lands_once()
    {
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = postfix.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:InternalNextHop:Tls"] = "StartTls",
            ["Gateway:Delivery:InternalNextHop:CaFile"] = postfix.Pki.RootFile,
            ["Gateway:Delivery:MaxMessagesPerConnection"] = PerConnection.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:ConcurrencyPerDestination"] = "1",
            ["Gateway:Delivery:ConnectionIdleTimeout"] = "00:01:00",
        });
        var log = Path.Combine(postfix.ConfigDirectory, "..", "maillog");
        var before = postfix.Delivered("dr.durand@hopital-a.test").Count;
        for (var i = 0; i < Messages; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"pf-reuse-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => h.SpoolIsEmpty() && postfix.Delivered("dr.durand@hopital-a.test").Count == before + Messages, "thirty maildir files", 120);
        // With the backlog and one connection, transactions were written behind one another (PipelineDepth 2) and Postfix took them.
        var pipelined = h.Measurements.GetValueOrDefault("mssgw_delivery_pipelined_transactions_total{}");
        Assert.InRange(pipelined, 1, Messages - 1);
        await h.DisposeAsync(); // QUIT on the pooled connection: Postfix logs each connection's command counts when it ends

        // "disconnect from … ehlo=2 starttls=1 mail=10 rcpt=10 bdat=10 rset=9 quit=1": one line per connection that carried mail.
        List<string> sessions = [];
        await DeliveryHarness.WaitUntilAsync(
            () =>
            {
                sessions = Disconnects(log);
                return sessions.Sum(l => Count(l, "mail")) >= Messages;
            },
            "Postfix's log of the sessions",
            30);
        Assert.InRange(sessions.Count, 1, (Messages + PerConnection - 1) / PerConnection);
        Assert.DoesNotContain(File.ReadLines(log), l => l.Contains("improper command pipelining", StringComparison.Ordinal));
        Assert.All(sessions, l => Assert.Equal(Count(l, "mail"), Count(l, "bdat"))); // every message sent with BDAT
        var ids = postfix.Delivered("dr.durand@hopital-a.test").Skip(before)
            .Select(f => File.ReadAllText(f, Encoding.UTF8))
            .Select(t => t[(t.IndexOf("Message-ID: <", StringComparison.Ordinal) + 13)..].Split('>')[0])
            .ToList();
        Assert.Equal(Messages, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Messages, ids.Count);
    }

    /// <summary>The smtpd disconnect lines of sessions that sent mail (this class's fixture serves only this test).</summary>
    private static List<string> Disconnects(string log) =>
        File.Exists(log) ? File.ReadLines(log).Where(l => l.Contains("/smtpd[", StringComparison.Ordinal) && l.Contains(": disconnect from ", StringComparison.Ordinal) && l.Contains(" mail=", StringComparison.Ordinal)).ToList() : [];

    private static int Count(string line, string command)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, $@" {command}=(\d+)");
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
