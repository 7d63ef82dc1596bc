using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Smtp;

/// <summary>What the hooks may know of a session: peer, listener, TLS state, client certificate.</summary>
public sealed class SmtpSessionInfo
{
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
    /// Releases the client's certificates once the session has ended and the hooks have been told
    /// (<see cref="SmtpSessionLifetime"/>). Each holds an OpenSSL X509 object outside the managed heap:
    /// left to the finalizer, the native memory of every TLS session of a busy listener waits for a
    /// full GC the managed heap gives no reason to run (docs/smtp.md "Memory per connection").
    /// </summary>
    /// <summary>
    /// Set when a TLS handshake failed by the client's doing (a refused or missing certificate, a protocol
    /// error, the handshake timeout, a refused suite): an offence. A peer that only closed (a TCP probe) is not.
    /// </summary>
    internal bool TlsFailedByClient { get; set; }

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
