using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// Penalties per client address (Gateway:Smtp:Limits:MaxOffencesPerClient): the attacker's moves that count
/// as offences — a flood cut by the budget before TLS, transfers abandoned with a valid card, garbage instead
/// of a handshake — put its address under a penalty, refused before any handshake; an MTA on another address,
/// and the same address once the penalty is over, are served; what a well-behaved client does never counts.
/// The attacker connects from 127.0.1.x, the legitimate client from 127.0.0.1 (loopback exemption off).
/// </summary>
public sealed class PenaltyTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.1.7");
    private static readonly IPAddress Mta = IPAddress.Loopback;

    private static Action<SmtpServerLimits> Strict(int offences = 3, TimeSpan? tarpit = null) => l =>
    {
        l.MaxOffencesPerClient = offences;
        l.PenaltyExemptLoopback = false;
        l.PenaltyTarpit = tarpit ?? TimeSpan.Zero;
        l.MaxCommandsBeforeTls = 3;
    };

    /// <summary>One flooding session: commands before STARTTLS until the budget cuts it (an offence).</summary>
    private static async Task FloodOnceAsync(EngineHost host, IPAddress from)
    {
        await using var c = await SmtpTestClient.ConnectFromAsync(from, host.StartTlsPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        SmtpTestReply r;
        var i = 0;
        do
        {
            r = await c.CommandAsync("EHLO flood.example.test");
        }
        while (r.Code == 250 && ++i < 10);
        Assert.Contains("too_many_commands_before_tls", r.AssertCode(421, "4.7.0").Text, StringComparison.Ordinal);
        await WaitForEndAsync(host);
    }

    private static async Task WaitForEndAsync(EngineHost host)
    {
        // The offence is recorded when the session has ended on the server, just after the client saw the close.
        for (var i = 0; i < 200 && (host.Server.ActiveSessions("submission") > 0 || host.Server.ActiveSessions("plain") > 0 || host.Server.ActiveSessions("smtps") > 0); i++)
        {
            await Task.Delay(10);
        }
    }

    private static async Task AssertPenalisedAsync(EngineHost host, IPAddress from, int port)
    {
        await using var c = await SmtpTestClient.ConnectFromAsync(from, port);
        var r = (await c.ReadReplyAsync()).AssertCode(421, "4.7.0");
        Assert.Contains("client_penalised", r.Text, StringComparison.Ordinal);
        Assert.True(await c.IsClosedByServerAsync());
    }

    private static async Task AssertServedAsync(EngineHost host, IPAddress from)
    {
        await using var c = await SmtpTestClient.ConnectFromAsync(from, host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO mta.hospital.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        (await c.CommandAsync("Subject: hello\r\n\r\nbody\r\n.")).AssertCode(250);
        (await c.CommandAsync("QUIT")).AssertCode(221);
    }

    [Fact]
    public async Task A_client_cut_for_flooding_is_penalised_on_every_listener_and_an_mta_on_another_address_is_still_served()
    {
        await using var host = await EngineHost.StartAsync(Strict());
        await FloodOnceAsync(host, Attacker);
        await FloodOnceAsync(host, Attacker);
        await AssertServedAsync(host, Attacker); // two offences: still under the limit of three
        await FloodOnceAsync(host, Attacker);

        await AssertPenalisedAsync(host, Attacker, host.StartTlsPort);
        await AssertPenalisedAsync(host, Attacker, host.PlainPort); // every listener: the address is penalised
        await AssertServedAsync(host, Mta);
        Assert.Empty(host.TempFiles());
    }

    [Fact]
    public async Task The_penalty_ends_after_its_time_and_the_count_starts_afresh()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        await using var host = await EngineHost.StartAsync(Strict(), time: clock);
        for (var i = 0; i < 3; i++)
        {
            await FloodOnceAsync(host, Attacker);
        }

        await AssertPenalisedAsync(host, Attacker, host.PlainPort);
        clock.Advance(TimeSpan.FromMinutes(9));
        await AssertPenalisedAsync(host, Attacker, host.PlainPort);
        clock.Advance(TimeSpan.FromMinutes(1)); // OffencePenalty: 10 minutes
        await AssertServedAsync(host, Attacker);
        await FloodOnceAsync(host, Attacker); // one offence after the penalty: a fresh count, not the old one
        await AssertServedAsync(host, Attacker);
    }

    [Fact]
    public async Task Offences_spread_wider_than_the_window_never_add_up()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        await using var host = await EngineHost.StartAsync(Strict(), time: clock);
        for (var i = 0; i < 6; i++)
        {
            await FloodOnceAsync(host, Attacker);
            if (i % 2 == 1)
            {
                clock.Advance(TimeSpan.FromMinutes(10)); // two per OffenceWindow
            }
        }

        await AssertServedAsync(host, Attacker);
    }

    [Fact]
    public async Task Bdat_transfers_abandoned_with_a_valid_card_are_offences_and_the_loop_is_refused_before_its_handshake()
    {
        await using var host = await EngineHost.StartAsync(Strict());
        var card = await EngineHost.ClientCertificateAsync();
        var chunk = "Subject: abandoned\r\n\r\n" + new string('y', 3000) + "\r\n";
        await using (var c = await SmtpTestClient.ConnectFromAsync(Attacker, host.StartTlsPort))
        {
            (await c.ReadReplyAsync()).AssertCode(220);
            await c.StartTlsAsync(card);
            (await c.CommandAsync("EHLO abort.test")).AssertCode(250);
            foreach (var abort in new[] { "RSET", "EHLO again.test", "RSET" })
            {
                (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
                (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
                await c.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(chunk)}\r\n{chunk}");
                (await c.ReadReplyAsync()).AssertCode(250);
                (await c.CommandAsync(abort)).AssertCode(250);
            }

            (await c.CommandAsync("QUIT")).AssertCode(221); // a polite end does not excuse the transfers
        }

        await WaitForEndAsync(host);
        await AssertPenalisedAsync(host, Attacker, host.StartTlsPort); // 421 in plain text: no handshake was made
        Assert.Empty(host.Hooks.Accepted);
    }

    [Fact]
    public async Task Disconnecting_inside_data_is_an_offence()
    {
        await using var host = await EngineHost.StartAsync(Strict());
        for (var i = 0; i < 3; i++)
        {
            await using var c = await SmtpTestClient.ConnectFromAsync(Attacker, host.PlainPort);
            (await c.ReadReplyAsync()).AssertCode(220);
            (await c.CommandAsync("EHLO abort.test")).AssertCode(250);
            (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
            (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
            (await c.CommandAsync("DATA")).AssertCode(354);
            await c.SendAsync("Subject: cut\r\n\r\nhalf a message");
            await c.DisposeAsync();
            await WaitForEndAsync(host);
        }

        await AssertPenalisedAsync(host, Attacker, host.PlainPort);
    }

    [Fact]
    public async Task What_a_well_behaved_mta_does_never_counts()
    {
        // Completed messages (DATA and BDAT), refused commands under MaxErrors, RSET between transactions, QUIT,
        // a close between transactions: many sessions from one address, a limit of one offence, never penalised.
        await using var host = await EngineHost.StartAsync(Strict(offences: 1));
        for (var i = 0; i < 5; i++)
        {
            await using var c = await SmtpTestClient.ConnectFromAsync(Attacker, host.PlainPort);
            (await c.ReadReplyAsync()).AssertCode(220);
            (await c.CommandAsync("EHLO mta.hospital.test")).AssertCode(250);
            (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(503); // out of sequence: a refusal, not an offence
            (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
            (await c.CommandAsync("RSET")).AssertCode(250); // no transfer open: nothing abandoned
            (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
            (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
            await c.SendAsync("BDAT 20 LAST\r\nSubject: x\r\n\r\nbody\r\n");
            (await c.ReadReplyAsync()).AssertCode(250);
            if (i % 2 == 0)
            {
                (await c.CommandAsync("QUIT")).AssertCode(221);
            }

            await c.DisposeAsync();
            await WaitForEndAsync(host);
        }

        await AssertServedAsync(host, Attacker);
        Assert.Equal(6, host.Hooks.Accepted.Count);
    }

    [Fact]
    public async Task Garbage_instead_of_a_handshake_is_an_offence_but_a_tcp_probe_is_not()
    {
        await using var host = await EngineHost.StartAsync(Strict());
        for (var i = 0; i < 5; i++)
        {
            // A load balancer's TCP health check: connect, close.
            var probe = await SmtpTestClient.ConnectFromAsync(Attacker, host.ImplicitTlsPort);
            await probe.DisposeAsync();
            await WaitForEndAsync(host);
        }

        await AssertServedAsync(host, Attacker);
        for (var i = 0; i < 3; i++)
        {
            await using var c = await SmtpTestClient.ConnectFromAsync(Attacker, host.ImplicitTlsPort);
            await c.SendAsync("EHLO not-a-client-hello.test\r\n" + new string('x', 200) + "\r\n");
            Assert.True(await c.IsClosedByServerAsync());
            await WaitForEndAsync(host);
        }

        await AssertPenalisedAsync(host, Attacker, host.PlainPort);
    }

    [Fact]
    public async Task A_penalised_connection_is_held_unread_for_the_tarpit_then_refused()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        await using var host = await EngineHost.StartAsync(Strict(tarpit: TimeSpan.FromSeconds(5)), time: clock);
        for (var i = 0; i < 3; i++)
        {
            await FloodOnceAsync(host, Attacker);
        }

        await using var c = await SmtpTestClient.ConnectFromAsync(Attacker, host.StartTlsPort);
        var reply = c.ReadReplyAsync();
        await Task.WhenAny(reply, Task.Delay(300));
        Assert.False(reply.IsCompleted); // held: no greeting, no refusal yet
        var waited = await clock.AdvanceUntilAsync(reply, TimeSpan.FromSeconds(1));
        Assert.Contains("client_penalised", (await reply).AssertCode(421, "4.7.0").Text, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8));
        Assert.Equal(0, host.Server.ActiveSessions("submission")); // it never took a session slot
    }

    [Fact]
    public async Task Loopback_is_exempt_by_default_and_exempt_networks_are_never_penalised()
    {
        await using (var host = await EngineHost.StartAsync(l =>
        {
            l.MaxOffencesPerClient = 1;
            l.MaxCommandsBeforeTls = 3;
        }))
        {
            await FloodOnceAsync(host, Attacker);
            await FloodOnceAsync(host, Attacker);
            await AssertServedAsync(host, Attacker); // 127.0.1.7 is loopback: exempt by default
        }

        await using (var host = await EngineHost.StartAsync(l =>
        {
            Strict(offences: 1)(l);
            l.PenaltyExemptNetworks = ["127.0.1.0/24"];
        }))
        {
            await FloodOnceAsync(host, Attacker);
            await FloodOnceAsync(host, Attacker);
            await AssertServedAsync(host, Attacker);
            await FloodOnceAsync(host, IPAddress.Parse("127.0.2.1"));
            await AssertPenalisedAsync(host, IPAddress.Parse("127.0.2.1"), host.PlainPort);
        }
    }

    [Fact]
    public async Task Zero_turns_penalties_off()
    {
        await using var host = await EngineHost.StartAsync(l =>
        {
            Strict()(l);
            l.MaxOffencesPerClient = 0;
        });
        for (var i = 0; i < 5; i++)
        {
            await FloodOnceAsync(host, Attacker);
        }

        await AssertServedAsync(host, Attacker);
    }
}
