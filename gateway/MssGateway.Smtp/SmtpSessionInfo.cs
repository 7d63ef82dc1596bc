using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace MssGateway.Smtp;

/// <summary>What the hooks may know of a session: peer, listener, TLS state, client certificate.</summary>
public sealed class SmtpSessionInfo
{
    private List<Action>? _afterReplies;

    internal SmtpSessionInfo(string id, SmtpListenerOptions listener, IPEndPoint? remote, IPEndPoint? local, string serverName, DateTimeOffset startedAt)
    {
        Id = id;
        Listener = listener;
        RemoteEndPoint = remote;
        LocalEndPoint = local;
        ServerName = serverName;
        StartedAt = startedAt;
    }

    /// <summary>Unique id of the session, for logs.</summary>
    public string Id { get; }

    public SmtpListenerOptions Listener { get; }

    /// <summary>The client: the peer of the connection, or the client a trusted PROXY header named.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    public IPEndPoint? LocalEndPoint { get; }

    /// <summary>This server's host name (greeting, Received header).</summary>
    public string ServerName { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Name given with EHLO/HELO; null until then (and again after STARTTLS).</summary>
    public string? HeloName { get; internal set; }

    /// <summary>True after EHLO (as opposed to HELO).</summary>
    public bool IsExtended { get; internal set; }

    public bool IsTls { get; internal set; }

    public SslProtocols TlsProtocol { get; internal set; }

    public TlsCipherSuite? TlsCipherSuite { get; internal set; }

    /// <summary>The certificate the client presented, if any.</summary>
    public X509Certificate2? ClientCertificate { get; internal set; }

    /// <summary>Extra certificates the client sent in its handshake (intermediates), possibly empty.</summary>
    public X509Certificate2Collection ClientCertificateChain { get; } = [];

    /// <summary>Messages accepted in this session.</summary>
    public int MessagesAccepted { get; internal set; }

    /// <summary>Values the hooks attach to the session (e.g. the client identity from the certificate).</summary>
    public IDictionary<string, object?> Items { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>
    /// Set when a TLS handshake failed by the client's doing (a refused or missing certificate, a protocol
    /// error, the handshake timeout, a refused suite): an offence. A peer that only closed (a TCP probe) is not.
    /// </summary>
    internal bool TlsFailedByClient { get; set; }

    /// <summary>
    /// Runs <paramref name="action"/> on the session's own flow once the replies given so far have been handed
    /// to the connection: right after the next flush, whether the client is still there to read them or not,
    /// and at the latest when the session ends — never before the reply that precedes it, never twice, never
    /// dropped. For work a reply must not wait for: the gateway hands an accepted message to delivery after
    /// its 250 is on its way, not before (the message is durable by then). The action must not throw; one
    /// that does is logged (event 106) and the session goes on.
    /// </summary>
    public void AfterRepliesSent(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        (_afterReplies ??= new List<Action>(1)).Add(action);
    }

    /// <summary>Runs what <see cref="AfterRepliesSent"/> holds, in order (the engine's, after a flush and at the session's end).</summary>
    internal void RunAfterReplies(ILogger logger)
    {
        var actions = _afterReplies;
        if (actions is null || actions.Count == 0)
        {
            return;
        }

        // An action that adds another (it runs here too: the loop reads Count each turn) is not lost.
        for (var i = 0; i < actions.Count; i++)
        {
            try
            {
                actions[i]();
            }
#pragma warning disable CA1031 // A product's action is not the session's to die of: logged, and the session goes on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                SmtpLog.AfterRepliesFailed(logger, ex, Id);
            }
        }

        actions.Clear();
    }

    /// <summary>
    /// Releases the client's certificates once the session has ended and the hooks have been told
    /// (<see cref="SmtpSessionLifetime"/>). Each holds an OpenSSL X509 object outside the managed heap:
    /// left to the finalizer, the native memory of every TLS session of a busy listener waits for a
    /// full GC the managed heap gives no reason to run (docs/smtp.md "Memory per connection").
    /// </summary>
    internal void ReleaseCertificates()
    {
        ClientCertificate?.Dispose();
        ClientCertificate = null;
        foreach (var c in ClientCertificateChain)
        {
            c.Dispose();
        }

        ClientCertificateChain.Clear();
    }

    /// <summary>The TLS protocol as text for headers and logs ("TLSv1.3").</summary>
    public string TlsProtocolName => TlsProtocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => IsTls ? TlsProtocol.ToString() : "none",
    };
}
