using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>Timeouts (RFC 5321 §4.5.3.2), concurrency limits and graceful shutdown.</summary>
public sealed class SessionLimitTests
{
    [Fact]
    public async Task An_idle_client_is_disconnected_with_421_4_4_2()
    {
        await using var host = await EngineHost.StartAsync(l => l.CommandTimeout = TimeSpan.FromSeconds(1));
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.ReadReplyAsync()).AssertCode(421, "4.4.2");
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task A_client_stalling_in_data_is_disconnected_and_nothing_is_kept()
    {
        await using var host = await EngineHost.StartAsync(l => l.DataBlockTimeout = TimeSpan.FromSeconds(1));
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: half\r\n\r\nno end");
        (await c.ReadReplyAsync()).AssertCode(421, "4.4.2");
        Assert.Empty(host.Hooks.Accepted);
        await WaitUntilAsync(() => Directory.GetFiles(host.Spool.TempDirectory).Length == 0);
    }

    [Fact]
    public async Task A_session_longer_than_the_maximum_duration_is_closed_421_4_4_2()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxSessionDuration = TimeSpan.FromSeconds(2));
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        SmtpTestReply last;
        do
        {
            // A slow but active client: commands keep coming, the session limit still ends it.
            last = await c.CommandAsync("NOOP");
            await Task.Delay(300);
        }
        while (last.Code == 250);
        last.AssertCode(421, "4.4.2");
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
    public async Task On_shutdown_idle_sessions_get_421_4_3_2_and_a_message_in_progress_is_still_accepted()
    {
        var host = await EngineHost.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(20));
        try
        {
            await using var idle = await SmtpTestClient.ConnectAsync(host.PlainPort);
            (await idle.ReadReplyAsync()).AssertCode(220);
            await using var busy = await SmtpTestClient.ConnectAsync(host.PlainPort);
            (await busy.ReadReplyAsync()).AssertCode(220);
            (await busy.CommandAsync("EHLO client.test")).AssertCode(250);
            (await busy.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
            (await busy.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
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
