using System.Text;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// Timeouts (RFC 5321 §4.5.3.2), the budgets before TLS, the minimum data rate, concurrency limits and
/// graceful shutdown. Every timeout runs on a fake clock (the engine takes its time from TimeProvider):
/// the test moves time, nothing waits on the wall clock.
/// </summary>
public sealed class SessionLimitTests
{
    private readonly FakeTimeProvider _clock = new();

    private static async Task<SmtpTestClient> OpenTransactionAsync(EngineHost host)
    {
        var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        return c;
    }

    [Fact]
    public async Task An_idle_client_is_disconnected_with_421_4_4_2_after_the_command_timeout()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        var reply = c.ReadReplyAsync();
        var waited = await _clock.AdvanceUntilAsync(reply, TimeSpan.FromSeconds(15));
        Assert.Contains("(timeout)", (await reply).AssertCode(421, "4.4.2").Text, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6)); // steps may overshoot on a busy machine
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task A_client_stalling_in_data_is_disconnected_after_the_data_block_timeout_and_nothing_is_kept()
    {
        // The rate check off, so the data block timeout (3 minutes) is the limit that ends it.
        await using var host = await EngineHost.StartAsync(l => l.MinDataRate = 0, time: _clock);
        await using var c = await OpenTransactionAsync(host);
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: half\r\n\r\nno end");
        var reply = c.ReadReplyAsync();
        var waited = await _clock.AdvanceUntilAsync(reply, TimeSpan.FromSeconds(10));
        Assert.Contains("(timeout)", (await reply).AssertCode(421, "4.4.2").Text, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(4));
        Assert.Empty(host.Hooks.Accepted);
        await WaitUntilAsync(() => host.TempFiles().Length == 0);
    }

    [Fact]
    public async Task A_session_longer_than_the_maximum_duration_is_closed_421_4_4_2()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        SmtpTestReply last;
        var i = 0;
        do
        {
            // A slow but active client: a command every 4 minutes keeps the command timeout away, the session limit still ends it.
            await _clock.AdvanceGentlyAsync(TimeSpan.FromMinutes(4));
            last = await c.CommandAsync("NOOP");
        }
        while (last.Code == 250 && ++i < 20);
        Assert.Contains("(session_too_long)", last.AssertCode(421, "4.4.2").Text, StringComparison.Ordinal);
        Assert.InRange(i, 7, 8); // 30 minutes
    }

    [Fact]
    public async Task Before_starttls_a_client_gets_only_a_few_commands_then_421_4_7_0()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxCommandsBeforeTls = 4, time: _clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.StartTlsPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("NOOP")).AssertCode(250);
        (await c.CommandAsync("RSET")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(530, "5.7.0");
        var r = (await c.CommandAsync("NOOP")).AssertCode(421, "4.7.0");
        Assert.Contains("too_many_commands_before_tls", r.Text, StringComparison.Ordinal);
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task A_client_that_does_not_start_tls_in_time_gets_421_4_7_0()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.StartTlsPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        var reply = c.ReadReplyAsync();
        var waited = await _clock.AdvanceUntilAsync(reply, TimeSpan.FromSeconds(2));
        Assert.Contains("tls_not_started", (await reply).AssertCode(421, "4.7.0").Text, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_tls_start_limit_does_not_apply_once_tls_is_up()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.StartTlsPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        await c.StartTlsAsync(await EngineHost.ClientCertificateAsync());
        (await c.CommandAsync("EHLO client.test")).AssertCode(250); // the server is past its handshake
        await _clock.AdvanceGentlyAsync(TimeSpan.FromMinutes(2));
        (await c.CommandAsync("NOOP")).AssertCode(250);
    }

    [Fact]
    public async Task A_tls_handshake_that_never_comes_is_cut_after_the_handshake_timeout()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.ImplicitTlsPort);
        var closed = c.IsClosedByServerAsync();
        var waited = await _clock.AdvanceUntilAsync(closed, TimeSpan.FromSeconds(2));
        Assert.True(await closed);
        Assert.InRange(waited, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_slowloris_in_data_is_cut_421_4_4_2_at_the_minimum_data_rate()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await OpenTransactionAsync(host);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var reply = c.ReadReplyAsync();
        var sent = 0;
        for (var i = 0; i < 60 && !reply.IsCompleted; i++)
        {
            // A byte a second: far under 500 octets/s, but never idle long enough for the data block timeout.
            await c.SendAsync("x");
            sent++;
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(reply, Task.Delay(30));
        }

        Assert.Contains("data_rate_too_low", (await reply).AssertCode(421, "4.4.2").Text, StringComparison.Ordinal);
        Assert.InRange(sent, 10, 15); // cut when the 10 s grace period ends
        await WaitUntilAsync(() => host.TempFiles().Length == 0);
    }

    [Fact]
    public async Task A_slowloris_in_bdat_is_cut_421_4_4_2_at_the_minimum_data_rate()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await OpenTransactionAsync(host);
        await c.SendAsync("BDAT 100000\r\n");
        var reply = c.ReadReplyAsync();
        for (var i = 0; i < 60 && !reply.IsCompleted; i++)
        {
            await c.SendAsync(new string('y', 100));
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(reply, Task.Delay(30));
        }

        Assert.Contains("data_rate_too_low", (await reply).AssertCode(421, "4.4.2").Text, StringComparison.Ordinal);
        await WaitUntilAsync(() => host.TempFiles().Length == 0);
    }

    [Fact]
    public async Task A_client_sending_at_the_minimum_rate_is_not_cut()
    {
        await using var host = await EngineHost.StartAsync(time: _clock);
        await using var c = await OpenTransactionAsync(host);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var line = new string('z', 598) + "\r\n"; // 600 octets per half second: 1,200 octets/s, over 500
        for (var i = 0; i < 40; i++)
        {
            await c.SendAsync(line);
            await Task.Delay(30);
            _clock.Advance(TimeSpan.FromSeconds(0.5));
        }

        (await c.CommandAsync(".")).AssertCode(250, "2.0.0");
    }

    [Fact]
    public async Task Connections_over_the_per_client_limit_get_421_4_7_0()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxConcurrentSessionsPerClient = 2);
        await using var c1 = await SmtpTestClient.ConnectAsync(host.PlainPort);
        await using var c2 = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c1.ReadReplyAsync()).AssertCode(220);
        (await c2.ReadReplyAsync()).AssertCode(220);
        await using var c3 = await SmtpTestClient.ConnectAsync(host.PlainPort);
        var r = (await c3.ReadReplyAsync()).AssertCode(421, "4.7.0");
        Assert.Contains("your address", r.Text, StringComparison.Ordinal);
        await c1.CommandAsync("QUIT");
        await WaitUntilAsync(() => host.Server.ActiveSessions("plain") < 2);
        await using var c4 = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c4.ReadReplyAsync()).AssertCode(220);
    }

    [Fact]
    public async Task Connections_over_the_listener_limit_get_421_4_7_0()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxConcurrentSessions = 1);
        await using var c1 = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c1.ReadReplyAsync()).AssertCode(220);
        await using var c2 = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c2.ReadReplyAsync()).AssertCode(421, "4.7.0");
    }

    [Fact]
    public async Task Connections_over_the_per_client_rate_get_421_4_7_0_until_the_window_passes()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxConnectionRatePerClient = 3, time: _clock);
        for (var i = 0; i < 3; i++)
        {
            await using var ok = await SmtpTestClient.ConnectAsync(host.PlainPort);
            (await ok.ReadReplyAsync()).AssertCode(220);
            (await ok.CommandAsync("QUIT")).AssertCode(221);
        }

        await using (var refused = await SmtpTestClient.ConnectAsync(host.PlainPort))
        {
            Assert.Contains("connection_rate_exceeded", (await refused.ReadReplyAsync()).AssertCode(421, "4.7.0").Text, StringComparison.Ordinal);
        }

        await _clock.AdvanceGentlyAsync(TimeSpan.FromMinutes(2));
        await using var again = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await again.ReadReplyAsync()).AssertCode(220);
    }

    [Fact]
    public async Task On_shutdown_idle_sessions_get_421_4_3_2_and_a_message_in_progress_is_still_accepted()
    {
        var host = await EngineHost.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(20));
        try
        {
            await using var idle = await SmtpTestClient.ConnectAsync(host.PlainPort);
            (await idle.ReadReplyAsync()).AssertCode(220);
            await using var busy = await OpenTransactionAsync(host);
            (await busy.CommandAsync("DATA")).AssertCode(354);
            await busy.SendAsync("Subject: in flight\r\n\r\nfirst half\r\n");

            var stopping = host.StopAsync();
            (await idle.ReadReplyAsync()).AssertCode(421, "4.3.2");
            await busy.SendAsync("second half\r\n.\r\n");
            (await busy.ReadReplyAsync()).AssertCode(250, "2.0.0");
            (await busy.ReadReplyAsync()).AssertCode(421, "4.3.2");
            await stopping;
            Assert.Single(host.Hooks.Accepted);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
