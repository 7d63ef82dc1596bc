using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace MssGateway.Smtp;

/// <summary>
/// The socket transport under the SMTP listeners, bounded by <see cref="SmtpServerLimits"/>: how far it reads
/// ahead of a session (<see cref="SmtpServerLimits.MaxReadBufferSize"/>). The gateway and the engine's tests
/// set it the same way.
/// </summary>
public static class SmtpSocketTransport
{
    /// <summary>
    /// Sets Kestrel's <see cref="SocketTransportOptions"/> from <paramref name="limits"/>. The transport is built
    /// with the web application, before the options are validated: the gateway passes the values it read, and
    /// start-up stops on the validator's message when they are out of range (no socket is bound before that).
    /// </summary>
    public static void Apply(SocketTransportOptions transport, SmtpServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(limits);
        transport.MaxReadBufferSize = limits.MaxReadBufferSize;
    }
}
