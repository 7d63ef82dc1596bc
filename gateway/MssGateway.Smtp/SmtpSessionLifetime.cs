using System.Net;
using Microsoft.AspNetCore.Connections;

namespace MssGateway.Smtp;

/// <summary>
/// Connection middleware that makes a connection an SMTP session for the layers inside it (implicit
/// TLS, the protocol): creates its <see cref="SmtpSessionInfo"/>, counts it in
/// <c>mssgw_smtp_sessions_active</c>, and reports its end to the hooks once, whatever ended it
/// (a failed implicit handshake included): one session-end log event per session; then releases
/// the client's certificates (the session owns them).
/// </summary>
internal sealed class SmtpSessionLifetime
{
    private SmtpSessionLifetime(SmtpSessionInfo info)
    {
        Info = info;
    }

    public SmtpSessionInfo Info { get; }

    /// <summary>Why the session ended (the session summary's labels).</summary>
    public SmtpEndReason EndReason { get; set; } = SmtpEndReason.ClientClosed;

    public int MessagesRefused { get; set; }

    public string? LastRefusalReason { get; set; }

    public int? LastReplyCode { get; set; }

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(SmtpServer server, SmtpListenerOptions listener) => next => async connection =>
    {
        var info = new SmtpSessionInfo(connection.ConnectionId, listener, connection.RemoteEndPoint as IPEndPoint, connection.LocalEndPoint as IPEndPoint, server.Options.ServerName, server.Time.GetUtcNow());
        var lifetime = new SmtpSessionLifetime(info);
        connection.Features.Set(lifetime);
        var started = server.Time.GetTimestamp();
        server.Metrics.SessionStarted(listener.Name);
        try
        {
            await next(connection);
        }
        finally
        {
            var duration = server.Time.GetElapsedTime(started);
            server.Metrics.SessionEnded(listener.Name, duration);
            server.Hooks.OnSessionEnded(info, new SmtpSessionSummary
            {
                Duration = duration,
                MessagesAccepted = info.MessagesAccepted,
                MessagesRefused = lifetime.MessagesRefused,
                End = lifetime.EndReason,
                LastRefusalReason = lifetime.LastRefusalReason,
                LastReplyCode = lifetime.LastReplyCode,
            });
            info.ReleaseCertificates();
        }
    };
}
