using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace MssGateway.Smtp;

/// <summary>
/// Entry point of the engine: takes connections from a transport (Kestrel's connection layer —
/// listeners, sockets, pipes and shutdown come from there; see docs/smtp.md "Why Kestrel") and runs
/// each through its listener's connection pipeline, built once, outermost first (Kestrel's layering:
/// transport → connection middleware → protocol):
/// <see cref="ProxyProtocolMiddleware"/> (when the listener has it) → <see cref="SmtpConnectionLimitMiddleware"/>
/// → <see cref="SmtpSessionLifetime"/> → <see cref="ImplicitTlsMiddleware"/> (port 465) → <see cref="SmtpSession"/>.
/// Every log event of a connection carries its session id (<see cref="SmtpSessionScope"/>).
/// </summary>
public sealed class SmtpServer
{
    private readonly ConcurrentDictionary<string, Pipeline> _pipelines = new(StringComparer.Ordinal);
    private SmtpTlsSettings? _tls;

    public SmtpServer(SmtpServerOptions options, ISmtpSessionHooks hooks, SmtpMetrics metrics, ILogger<SmtpServer> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The host validates the limits at start-up (ValidateOnStart); an engine built by hand gets the same list of failures.
        if (new SmtpServerLimitsValidator().Validate(null, options.Limits) is { Failed: true } invalid)
        {
            throw new SmtpConfigurationException(invalid.FailureMessage);
        }

        Options = options;
        Hooks = hooks;
        Metrics = metrics;
        Logger = logger;
        Time = time ?? TimeProvider.System;
        Penalties = new ClientPenalties(Time, options.Limits);
    }

    public SmtpServerOptions Options { get; }

    internal ISmtpSessionHooks Hooks { get; }

    internal SmtpMetrics Metrics { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    /// <summary>Offences and penalties per client address, shared by every listener.</summary>
    internal ClientPenalties Penalties { get; }

    /// <summary>Current TLS settings; replace to renew the server certificate (new sessions use the new one).</summary>
    public SmtpTlsSettings? Tls
    {
        get => Volatile.Read(ref _tls);
        set => Volatile.Write(ref _tls, value);
    }

    /// <summary>Sessions in progress on a listener.</summary>
    public int ActiveSessions(string listener) => _pipelines.TryGetValue(listener, out var p) ? p.Limits.ActiveSessions : 0;

    /// <summary>Runs one SMTP connection through the listener's pipeline; returns when it ends.</summary>
    public async Task HandleConnectionAsync(SmtpListenerOptions listener, ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(connection);
        var pipeline = _pipelines.GetOrAdd(listener.Name, static (_, s) => s.Server.Build(s.Listener), (Server: this, Listener: listener));
        using (Logger.BeginScope(new SmtpSessionScope(connection.ConnectionId)))
        {
            await pipeline.Run(connection);
        }
    }

    private Pipeline Build(SmtpListenerOptions listener)
    {
        ConnectionDelegate app = connection =>
        {
            var lifetime = connection.Features.Get<SmtpSessionLifetime>()!;
            var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
            return new SmtpSession(this, listener, connection, lifetime, closing).RunAsync();
        };
        if (listener.TlsMode == SmtpTlsMode.Implicit)
        {
            app = ImplicitTlsMiddleware.Create(this, listener)(app);
        }

        app = SmtpSessionLifetime.Middleware(this, listener)(app);
        var limits = new SmtpConnectionLimitMiddleware(this, listener, app);
        app = limits.OnConnectionAsync;
        if (listener.ProxyProtocol)
        {
            app = new ProxyProtocolMiddleware(this, listener, app).OnConnectionAsync;
        }

        return new Pipeline(app, limits);
    }

    private sealed record Pipeline(ConnectionDelegate Run, SmtpConnectionLimitMiddleware Limits);
}
