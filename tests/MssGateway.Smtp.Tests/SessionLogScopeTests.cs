using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>Every log event written during a session, the engine's and the product hooks', carries the session id.</summary>
public sealed class SessionLogScopeTests
{
    [Fact]
    public async Task Every_event_of_a_session_carries_its_session_id()
    {
        var capture = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        await using var host = await EngineHost.StartAsync(logging: factory);
        await using (var c = await SmtpTestClient.ConnectAsync(host.PlainPort))
        {
            (await c.ReadReplyAsync()).AssertCode(220);
            (await c.CommandAsync("EHLO client.test")).AssertCode(250);
            (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250); // the hooks log
            (await c.CommandAsync("BOGUS")).AssertCode(500); // the engine logs the refusal
            (await c.CommandAsync("QUIT")).AssertCode(221);
        }

        await using (var c = await SmtpTestClient.ConnectAsync(host.PlainPort))
        {
            (await c.ReadReplyAsync()).AssertCode(220);
            (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(503);
        }

        for (var i = 0; i < 100 && capture.Events.Count < 4; i++)
        {
            await Task.Delay(20);
        }

        var events = capture.Events.ToList();
        Assert.Contains(events, e => e.Category.EndsWith("TestHooks", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Category.EndsWith("SmtpServer", StringComparison.Ordinal));
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.SessionId), $"event '{e.Message}' has no SessionId"));
        Assert.Equal(2, events.Select(e => e.SessionId).Distinct().Count());
    }

    private sealed record Captured(string Category, string Message, string? SessionId);

    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<Captured> Events { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? sessionId = null;
                owner._scopes.ForEachScope(
                    (scope, _) =>
                    {
                        if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            foreach (var (key, value) in pairs)
                            {
                                if (key == "SessionId")
                                {
                                    sessionId = value as string;
                                }
                            }
                        }
                    },
                    (object?)null);
                owner.Events.Enqueue(new Captured(category, formatter(state, exception), sessionId));
            }
        }
    }
}
