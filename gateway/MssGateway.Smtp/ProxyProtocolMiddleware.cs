using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace MssGateway.Smtp;

/// <summary>
/// Connection middleware for the HAProxy PROXY protocol on a listener behind a load balancer (opt-in,
/// <see cref="SmtpListenerOptions.ProxyProtocol"/>): only peers in the trusted networks may connect, each
/// must open with a valid header (v1 or v2) within <see cref="SmtpServerLimits.ProxyHeaderTimeout"/>, and
/// the client address it names replaces the connection's for every layer inside (per-IP limits, logs,
/// the Received header). Anything else is closed without a word: the peer is not an SMTP client.
/// </summary>
internal sealed class ProxyProtocolMiddleware
{
    private readonly SmtpServer _server;
    private readonly SmtpListenerOptions _listener;
    private readonly ConnectionDelegate _next;
    private readonly IPNetwork[] _trusted;

    public ProxyProtocolMiddleware(SmtpServer server, SmtpListenerOptions listener, ConnectionDelegate next)
    {
        _server = server;
        _listener = listener;
        _next = next;
        _trusted = [.. listener.ProxyProtocolTrustedNetworks.Select(n => IPNetwork.Parse(n))];
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.RemoteEndPoint as IPEndPoint;
        var address = peer?.Address is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) : null;
        if (address is null || !_trusted.Any(n => n.Contains(address)))
        {
            Refuse(connection, peer, "proxy_untrusted");
            return;
        }

        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(_server.Options.Limits.ProxyHeaderTimeout, _server.Time);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Refuse(connection, peer, "proxy_timeout");
                return;
            }

            var status = ProxyProtocolHeader.TryParse(result.Buffer, out var length, out var source, out var destination);
            if (status == ProxyHeaderStatus.Complete)
            {
                input.AdvanceTo(result.Buffer.GetPosition(length));
                if (source is not null)
                {
                    connection.RemoteEndPoint = source;
                    connection.LocalEndPoint = destination;
                }

                break;
            }

            if (status == ProxyHeaderStatus.Invalid || result.IsCompleted)
            {
                input.AdvanceTo(result.Buffer.End);
                Refuse(connection, peer, "proxy_invalid");
                return;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        await _next(connection);
    }

    private void Refuse(ConnectionContext connection, IPEndPoint? peer, string result)
    {
        _server.Metrics.Connection(_listener.Name, result);
        SmtpLog.ConnectionRefused(_server.Logger, _listener.Name, peer?.Address.ToString(), result);
        connection.Abort(new ConnectionAbortedException("PROXY protocol: " + result));
    }
}
