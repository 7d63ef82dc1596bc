using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace MssGateway.Smtp;

/// <summary>
/// Entry point of the engine: takes connections from a transport (Kestrel's connection layer —
/// listeners, sockets, pipes and shutdown come from there; see docs/smtp.md "Why Kestrel"), applies
/// the per-listener and per-client connection limits and runs one <see cref="SmtpSession"/> each.
/// </summary>
public sealed class SmtpServer
{
    private readonly ConcurrentDictionary<string, ListenerCounters> _counters = new(StringComparer.Ordinal);
    private SmtpTlsSettings? _tls;

    public SmtpServer(SmtpServerOptions options, ISmtpSessionHooks hooks, SmtpMetrics metrics, ILogger<SmtpServer> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Validate("Gateway:Smtp:Limits");
        Options = options;
        Hooks = hooks;
        Metrics = metrics;
        Logger = logger;
        Time = time ?? TimeProvider.System;
    }

    public SmtpServerOptions Options { get; }

    internal ISmtpSessionHooks Hooks { get; }

    internal SmtpMetrics Metrics { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    /// <summary>Current TLS settings; replace to renew the server certificate (new sessions use the new one).</summary>
    public SmtpTlsSettings? Tls
    {
        get => Volatile.Read(ref _tls);
        set => Volatile.Write(ref _tls, value);
    }

    /// <summary>Sessions in progress on a listener.</summary>
    public int ActiveSessions(string listener) => _counters.TryGetValue(listener, out var c) ? Volatile.Read(ref c.Total) : 0;

    /// <summary>Runs one SMTP session on an accepted connection; returns when the session ends.</summary>
    public async Task HandleConnectionAsync(SmtpListenerOptions listener, ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(connection);
        var counters = _counters.GetOrAdd(listener.Name, _ => new ListenerCounters());
        var remote = connection.RemoteEndPoint as IPEndPoint;
        var clientKey = remote?.Address ?? IPAddress.None;
        var maxTotal = listener.MaxConcurrentSessions ?? Options.Limits.MaxConcurrentSessions;

        var total = Interlocked.Increment(ref counters.Total);
        var perClient = counters.PerClient.AddOrUpdate(clientKey, 1, (_, n) => n + 1);
        try
        {
            SmtpReply? limit = null;
            if (total > maxTotal)
            {
                limit = SmtpReplies.TooManyConnections;
            }
            else if (perClient > Options.Limits.MaxConcurrentSessionsPerClient)
            {
                limit = SmtpReplies.TooManyConnectionsFromIp;
            }

            if (limit is not null)
            {
                Metrics.Connection(listener.Name, limit.Reason!);
                Metrics.Refusal(listener.Name, "connect", limit.Reason!);
                SmtpLog.ConnectionRefused(Logger, listener.Name, remote?.Address.ToString(), limit.Reason!);
                if (listener.TlsMode != SmtpTlsMode.Implicit)
                {
                    // A plain-text 421 is only meaningful before TLS; on 465 the client expects a handshake.
                    await connection.Transport.Output.WriteAsync(limit.WireBytes);
                }

                await connection.Transport.Output.CompleteAsync();
                return;
            }

            Metrics.Connection(listener.Name, "accepted");
            var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
            var session = new SmtpSession(this, listener, connection, closing);
            await session.RunAsync();
        }
        finally
        {
            Interlocked.Decrement(ref counters.Total);
            if (counters.PerClient.AddOrUpdate(clientKey, 0, (_, n) => n - 1) <= 0)
            {
                counters.PerClient.TryRemove(new KeyValuePair<IPAddress, int>(clientKey, 0));
            }
        }
    }

    private sealed class ListenerCounters
    {
#pragma warning disable SA1401, CA1051 // fields for Interlocked
        public int Total;
#pragma warning restore SA1401, CA1051
        public ConcurrentDictionary<IPAddress, int> PerClient { get; } = new();
    }
}
