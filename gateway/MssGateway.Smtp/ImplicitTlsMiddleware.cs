using Microsoft.AspNetCore.Connections;

namespace MssGateway.Smtp;

/// <summary>
/// Connection middleware for implicit TLS (RFC 8314, port 465), in the manner of Kestrel's
/// HttpsConnectionMiddleware: handshakes before the protocol sees a byte, then gives the layers inside
/// a transport over the TLS session (and the session itself as a feature, so the protocol can judge
/// the client certificate and close with close_notify). The handshake is <see cref="SmtpTlsUpgrade"/>,
/// the same as STARTTLS's.
/// </summary>
internal static class ImplicitTlsMiddleware
{
    public static Func<ConnectionDelegate, ConnectionDelegate> Create(SmtpServer server, SmtpListenerOptions listener) => next => async connection =>
    {
        var lifetime = connection.Features.Get<SmtpSessionLifetime>()!;
        var tls = await SmtpTlsUpgrade.AuthenticateAsync(server, listener, lifetime.Info, connection.Transport);
        if (tls is null)
        {
            lifetime.EndReason = SmtpEndReason.TlsFailed;
            return;
        }

        var transport = connection.Transport;
        connection.Transport = tls;
        connection.Features.Set(tls);
        try
        {
            await next(connection);
        }
        finally
        {
            await tls.DisposeAsync();
            connection.Transport = transport;
        }
    };
}
