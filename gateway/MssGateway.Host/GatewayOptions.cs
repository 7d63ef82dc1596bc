using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>
/// The host's own configuration (section <c>Gateway</c> of appsettings.json, or environment
/// variables such as <c>Gateway__Listeners__0__Port</c>). docs/configuration.md lists every key;
/// <see cref="GatewayOptionsValidator"/> stops start-up on a bad value, naming the key and the fix.
/// Each component's section is its own options class, bound and validated on its own
/// (<c>Gateway:Spool</c>: <see cref="SpoolOptions"/>, <c>Gateway:Smtp:Limits</c>: <see cref="SmtpServerLimits"/>,
/// <c>Gateway:DevMaildir</c>, <c>Gateway:Trust</c>, …); the keys of those sections are not read here.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Host name in the greeting, EHLO reply and Received header (the certificate's FQDN).</summary>
    public string ServerName { get; set; } = Environment.MachineName;

    /// <summary>Name of this instance in every log event (<c>Instance</c>): the pod name. Default: <c>HOSTNAME</c>, else the machine name.</summary>
    public string InstanceName { get; set; } = Logs.InstanceName.Default;

    public List<GatewayListenerOptions> Listeners { get; set; } = [];

    public TlsFileOptions Tls { get; set; } = new();

    public SmtpSection Smtp { get; set; } = new();

    public HttpOptions Http { get; set; } = new();

    public DirectorySection Directory { get; set; } = new();

    public RoutingOptions Routing { get; set; } = new();

    /// <summary>Whether this process delivers (Gateway:Delivery:Enabled); the rest of Gateway:Delivery is read by the delivery component.</summary>
    public DeliverySwitch Delivery { get; set; } = new();

    public LoggingSection Logging { get; set; } = new();
}

/// <summary>One listener: the engine's options plus the gateway's per-listener policy.</summary>
public sealed class GatewayListenerOptions : SmtpListenerOptions
{
    /// <summary>S/MIME policy at end of data: Off, Tag (record the verdict) or Require (refuse unless it passes).</summary>
    public SmimePolicy SmimePolicy { get; set; } = SmimePolicy.Tag;

    /// <summary>
    /// Sender binding (issue 12 rule 1): Enforce (default) refuses a sender not bound to the client
    /// certificate; Tag accepts it and says so (Authentication-Results, log, metric).
    /// </summary>
    public SenderBindingMode SenderBinding { get; set; } = SenderBindingMode.Enforce;

    /// <summary>
    /// Submission or Relay (issue 12 rule 2). When not set, a listener named "relay" is a Relay listener
    /// and every other one a Submission listener.
    /// </summary>
    public ListenerRole? Role { get; set; }

    /// <summary>The role in force: <see cref="Role"/>, or the one its name implies.</summary>
    public ListenerRole RoleInForce() => Role ?? (string.Equals(Name, "relay", StringComparison.Ordinal) ? ListenerRole.Relay : ListenerRole.Submission);
}

/// <summary>The gateway's own certificate (PEM files, as Kubernetes Secrets mount them).</summary>
public sealed class TlsFileOptions
{
    /// <summary>PEM certificate; may hold the chain after the leaf.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key (PKCS#8, RSA or EC).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Optional PEM file of intermediates sent with the certificate.</summary>
    public string? ChainFile { get; set; }

    /// <summary>Lowest TLS version accepted: Tls12 (default) or Tls13.</summary>
    public TlsMinimumProtocol MinimumProtocol { get; set; } = TlsMinimumProtocol.Tls12;

    /// <summary>IANA names of allowed cipher suites; empty keeps the default (TLS 1.3 suites + ECDHE AES-GCM).</summary>
    public List<string> CipherSuites { get; set; } = [];

    /// <summary>
    /// TLS session resumption on every listener (tickets, TLS 1.3 PSK; default true): the client certificate
    /// is still judged on every session, and the suites are enforced after the handshake (docs/smtp.md "TLS").
    /// </summary>
    public bool Resumption { get; set; } = true;
}

/// <summary>The engine's text; its limits (<c>Gateway:Smtp:Limits</c>) are bound on their own as <see cref="SmtpServerLimits"/>.</summary>
public sealed class SmtpSection
{
    public string Banner { get; set; } = "ESMTP MSSante gateway";
}

public sealed class HttpOptions
{
    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 9090;
}

/// <summary>The lowest TLS version a listener accepts (DESIGN.md §3: TLS 1.2 and 1.3 only).</summary>
public enum TlsMinimumProtocol
{
    Tls12,
    Tls13,
}

/// <summary>The log output format.</summary>
public enum LogFormat
{
    /// <summary>One JSON object per line (production).</summary>
    Json,

    /// <summary>One plain line per event (dev).</summary>
    Text,
}

/// <summary>Which directory the gateway reads.</summary>
public enum DirectoryKind
{
    /// <summary>A JSON file (dev mode, single host).</summary>
    File,

    /// <summary>The Redis mirror written by directory-sync.</summary>
    Redis,
}

public sealed class DirectorySection
{
    public DirectoryKind Kind { get; set; } = DirectoryKind.File;

    /// <summary>JSON directory file when <see cref="Kind"/> is File.</summary>
    public string? File { get; set; }
}

/// <summary>RCPT decisions beyond the directory.</summary>
public sealed class RoutingOptions
{
    /// <summary>
    /// Accept recipients the directory does not list when their domain is authorised (default false:
    /// unknown recipients are refused at RCPT with 550 5.1.1).
    /// </summary>
    public bool AcceptUnlistedRecipientsOnAuthorisedDomains { get; set; }
}

/// <summary>The on/off switch of delivery (its options are <c>Gateway:Delivery</c>, see docs/delivery.md).</summary>
public sealed class DeliverySwitch
{
    /// <summary>False keeps accepted mail in the spool (accept-only instance, or dev mode without a mail system).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The gateway's own domains (the same key the delivery component routes with): a relay listener
    /// accepts recipients in these domains only (issue 12 rule 2).
    /// </summary>
    public List<string> LocalDomains { get; set; } = [];
}

/// <summary>Log output.</summary>
public sealed class LoggingSection
{
    /// <summary>Json (one object per line, production) or Text (dev).</summary>
    public LogFormat Format { get; set; } = LogFormat.Json;

    /// <summary>
    /// Replace mail addresses in logs by a keyed hash (HMAC-SHA256, truncated), remote replies quoted in
    /// delivery logs included. Default true; dev mode (appsettings.Development.json) turns it off.
    /// </summary>
    public bool HashAddresses { get; set; } = true;

    /// <summary>
    /// File holding the key of the address hash (a Kubernetes Secret, at least 16 octets). When not set,
    /// a random key is drawn at each start: addresses are still hidden, but hashes only correlate within
    /// one process (a warning says so at start-up).
    /// </summary>
    public string? HashKeyFile { get; set; }
}
