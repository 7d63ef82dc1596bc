using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// <see cref="SmtpSessionInfo.AfterRepliesSent"/>: the product's work after an accept (the gateway's hand-off to
/// delivery, which may start a pass on the session's thread) runs once the 250 is on its way, never in front of
/// it, and is never dropped: not by a client that pipelines, nor by one that leaves without reading its reply,
/// nor by an action that throws.
/// </summary>
public sealed class AfterRepliesTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private ILoggerFactory _logging = null!;
    private EngineHost _host = null!;

    public async Task InitializeAsync()
    {
        _logging = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Information));
        _host = await EngineHost.StartAsync(logging: _logging);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _logging.Dispose();
    }

    private static async Task<SmtpTestClient> OpenTransactionAsync(int port)
    {
        var c = await SmtpTestClient.ConnectAsync(port);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        return c;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task The_250_reaches_the_client_while_the_work_after_it_is_still_running()
    {
        // The work blocks the session's flow until the client has its 250: run before the reply (the order before
        // this hook existed), the client would wait for a reply held behind it, and the gate would time out.
        using var replied = new ManualResetEventSlim();
        var ran = new ConcurrentQueue<(string Id, bool SawReply)>();
        _host.Hooks.AfterAccepted = id => ran.Enqueue((id, replied.Wait(TimeSpan.FromSeconds(30))));

        await using var c = await OpenTransactionAsync(_host.PlainPort);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var reply = await c.CommandAsync("Subject: t\r\n\r\nbody\r\n.");
        replied.Set();
        reply.AssertCode(250, "2.0.0");
        await WaitForAsync(() => !ran.IsEmpty);

        var (id, sawReply) = Assert.Single(ran);
        Assert.True(sawReply, "the work after the accept ran before the client had its 250");
        Assert.Equal(Assert.Single(_host.Hooks.Accepted), id);
    }

    [Fact]
    public async Task A_client_that_leaves_without_reading_its_250_still_gets_its_message_handed_on_once()
    {
        var ran = new ConcurrentQueue<string>();
        _host.Hooks.AfterAccepted = ran.Enqueue;

        await using (var c = await OpenTransactionAsync(_host.PlainPort))
        {
            // The data, its end and QUIT in one write, and the connection closed before any reply is read.
            await c.SendAsync("DATA\r\nSubject: t\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        }

        await WaitForAsync(() => !ran.IsEmpty && !_host.Hooks.Sessions.IsEmpty);
        await Task.Delay(100); // a second run would come right after the first
        Assert.Equal(Assert.Single(_host.Hooks.Accepted), Assert.Single(ran));
    }

    [Fact]
    public async Task Pipelined_transactions_each_hand_their_message_on_once_and_in_order()
    {
        var ran = new ConcurrentQueue<string>();
        _host.Hooks.AfterAccepted = ran.Enqueue;

        await using var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        var one = "Subject: 1\r\n\r\none\r\n";
        var two = "Subject: 2\r\n\r\ntwo\r\n";
        await c.SendAsync(
            $"MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nBDAT {Encoding.ASCII.GetByteCount(one)} LAST\r\n{one}" +
            $"MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nBDAT {Encoding.ASCII.GetByteCount(two)} LAST\r\n{two}");
        foreach (var code in new[] { 250, 250, 250, 250, 250, 250 })
        {
            (await c.ReadReplyAsync()).AssertCode(code);
        }

        await WaitForAsync(() => ran.Count >= 2);
        Assert.Equal(_host.Hooks.Accepted.ToArray(), ran.ToArray());
    }

    [Fact]
    public async Task Work_that_throws_is_logged_and_the_session_goes_on()
    {
        var ran = new ConcurrentQueue<string>();
        _host.Hooks.AfterAccepted = id =>
        {
            ran.Enqueue(id);
            if (ran.Count == 1)
            {
                throw new InvalidOperationException("test: a bug in the product's hand-off");
            }
        };

        await using var c = await OpenTransactionAsync(_host.PlainPort);
        (await c.CommandAsync("DATA")).AssertCode(354);
        (await c.CommandAsync("Subject: 1\r\n\r\none\r\n.")).AssertCode(250, "2.0.0");
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        (await c.CommandAsync("Subject: 2\r\n\r\ntwo\r\n.")).AssertCode(250, "2.0.0");
        (await c.CommandAsync("QUIT")).AssertCode(221);

        await WaitForAsync(() => ran.Count >= 2);
        Assert.Equal(_host.Hooks.Accepted.ToArray(), ran.ToArray());
        var failed = Assert.Single(_logs.Events, e => e.EventId == 106);
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.IsType<InvalidOperationException>(failed.Exception);
    }

    private sealed record Captured(int EventId, LogLevel Level, Exception? Exception);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<Captured> Events { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Events.Enqueue(new Captured(eventId.Id, logLevel, exception));
        }
    }
}
