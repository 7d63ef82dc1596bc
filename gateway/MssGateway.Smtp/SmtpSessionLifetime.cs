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

    /// <summary>Transfers the client abandoned after sending data (offences).</summary>
    public int TransfersAbandoned { get; set; }

    /// <summary>Refused at connect by the product (e.g. draining): not the client's offence.</summary>
    public bool RefusedByProduct { get; set; }

    /// <summary>
    /// What the session counts against its client (<see cref="SmtpServerLimits.MaxOffencesPerClient"/>): one if
    /// the gateway had to cut it (refused, a time limit, too many errors, a failed handshake), plus each transfer
    /// it abandoned. A handshake the peer only closed (a TCP probe) is none. A session that ended with QUIT, a
    /// close between transactions or the session's message limit counts none; one the gateway's shutdown or its
    /// own error ended counts nothing at all, its open transfer included.
    /// </summary>
    public int Offences => EndReason is SmtpEndReason.ShuttingDown or SmtpEndReason.Error ? 0 : TransfersAbandoned + (EndReason switch
    {
        SmtpEndReason.Refused => RefusedByProduct ? 0 : 1,
        SmtpEndReason.TlsFailed => Info.TlsFailedByClient ? 1 : 0,
        SmtpEndReason.Timeout or SmtpEndReason.TooManyErrors => 1,
        _ => 0,
    });

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
            var offences = lifetime.Offences;
            if (offences > 0 && info.RemoteEndPoint?.Address is { } address)
            {
                var client = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
                if (server.Penalties.Record(client, offences))
                {
                    var limits = server.Options.Limits;
                    server.Metrics.ClientPenalised();
                    SmtpLog.ClientPenalised(server.Logger, client.ToString(), (int)limits.OffencePenalty.TotalSeconds, limits.MaxOffencesPerClient, listener.Name, lifetime.EndReason.ToLabel(), lifetime.LastRefusalReason, lifetime.TransfersAbandoned);
                }
            }
        }
    };
}
