using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace MssGateway.Smtp;

/// <summary>
/// Connection middleware for the limits of one listener, in the manner of Kestrel's
/// ConnectionLimitMiddleware: concurrent sessions on the listener and per client address, and new
/// connections per client address and time unit (<see cref="ClientConnectionRate"/>). A refused
/// connection gets its 421 in plain text (not on implicit TLS: that client expects a handshake) and is
/// closed before any session exists. Runs after the PROXY protocol layer, so behind a load balancer
/// the limits apply to the real client. First of all, an address under penalty (<see cref="ClientPenalties"/>)
/// is held without being read for <see cref="SmtpServerLimits.PenaltyTarpit"/>, then refused the same way:
/// it costs no handshake and takes no session slot.
/// </summary>
internal sealed class SmtpConnectionLimitMiddleware
{
    private readonly SmtpServer _server;
    private readonly SmtpListenerOptions _listener;
    private readonly ConnectionDelegate _next;
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private readonly ClientConnectionRate _rate;
    private int _total;
    private int _tarpitted;

    public SmtpConnectionLimitMiddleware(SmtpServer server, SmtpListenerOptions listener, ConnectionDelegate next)
    {
        _server = server;
        _listener = listener;
        _next = next;
        _rate = new ClientConnectionRate(server.Time, server.Options.Limits.MaxConnectionRatePerClient, server.Options.Limits.ConnectionRateWindow);
    }

    /// <summary>Sessions in progress on the listener.</summary>
    public int ActiveSessions => Volatile.Read(ref _total);

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint as IPEndPoint;
        var client = remote?.Address is { } a ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) : IPAddress.None;
        var limits = _server.Options.Limits;
        var maxTotal = _listener.MaxConcurrentSessions ?? limits.MaxConcurrentSessions;
        if (_server.Penalties.IsPenalised(client))
        {
            await RefusePenalisedAsync(connection, remote, limits.PenaltyTarpit, maxTotal);
            return;
        }

        var total = Interlocked.Increment(ref _total);
        var perClient = _perClient.AddOrUpdate(client, 1, static (_, n) => n + 1);
        try
        {
            var limit = total > maxTotal ? SmtpReplies.TooManyConnections
                : perClient > limits.MaxConcurrentSessionsPerClient ? SmtpReplies.TooManyConnectionsFromIp
                : !_rate.TryAcquire(client) ? SmtpReplies.ConnectionRateExceeded
                : null;
            if (limit is not null)
            {
                await RefuseAsync(connection, limit, remote);
                return;
            }

            _server.Metrics.Connection(_listener.Name, "accepted");
            await _next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _total);
            if (_perClient.AddOrUpdate(client, 0, static (_, n) => n - 1) <= 0)
            {
                _perClient.TryRemove(new KeyValuePair<IPAddress, int>(client, 0));
            }
        }
    }

    private async Task RefusePenalisedAsync(ConnectionContext connection, IPEndPoint? remote, TimeSpan tarpit, int maxHeld)
    {
        var held = TimeSpan.Zero;
        var holding = Interlocked.Increment(ref _tarpitted);
        try
        {
            if (tarpit > TimeSpan.Zero && holding <= maxHeld)
            {
                var started = _server.Time.GetTimestamp();
                var stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
                using var either = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, stopping);
                try
                {
                    await Task.Delay(tarpit, _server.Time, either.Token);
                }
                catch (OperationCanceledException)
                {
                    // The client left, or the gateway is stopping: refuse now.
                }

                held = _server.Time.GetElapsedTime(started);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _tarpitted);
        }

        // One debug event per connection (a penalised loop makes many); the penalty itself was logged once (104).
        SmtpLog.PenalisedConnectionRefused(_server.Logger, _listener.Name, remote?.Address.ToString(), (long)held.TotalMilliseconds);
        await CloseWithAsync(connection, SmtpReplies.ClientPenalised);
    }

    private Task RefuseAsync(ConnectionContext connection, SmtpReply limit, IPEndPoint? remote)
    {
        SmtpLog.ConnectionRefused(_server.Logger, _listener.Name, remote?.Address.ToString(), limit.Reason!);
        return CloseWithAsync(connection, limit);
    }

    /// <summary>Counts the refusal, sends it (in plain text; nothing on implicit TLS) and closes the connection.</summary>
    private async Task CloseWithAsync(ConnectionContext connection, SmtpReply refusal)
    {
        _server.Metrics.Connection(_listener.Name, refusal.Reason!);
        _server.Metrics.Refusal(_listener.Name, "connect", refusal.Reason!);
        try
        {
            if (_listener.TlsMode != SmtpTlsMode.Implicit)
            {
                await connection.Transport.Output.WriteAsync(refusal.WireBytes);
            }

            await connection.Transport.Output.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is already gone (a tarpitted one often is).
        }
    }
}
