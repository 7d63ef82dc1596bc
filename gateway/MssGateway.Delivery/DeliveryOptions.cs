namespace MssGateway.Delivery;

/// <summary>
/// Options of queue and delivery (<c>Gateway:Delivery</c>). Every default is documented in
/// docs/delivery.md; <see cref="DeliveryOptionsValidator"/> checks them at start-up.
/// </summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Gateway:Delivery";

    /// <summary>Name used in EHLO/LHLO and as Reporting-MTA in DSNs. Empty: the machine's host name.</summary>
    public string HeloName { get; set; } = string.Empty;

    /// <summary>
    /// The operator's own domains: their recipients go to <see cref="InternalNextHop"/>; every other
    /// recipient goes to another MSSanté operator (MX lookup or <see cref="TransportMap"/>).
    /// </summary>
    public List<string> LocalDomains { get; set; } = [];

    public InternalNextHopOptions InternalNextHop { get; set; } = new();

    /// <summary>Per-domain overrides of the MX lookup: domain → "host:port" (or "host", port 25; "[v6]:port").</summary>
    public Dictionary<string, string> TransportMap { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>TCP port used on MX hosts of other operators.</summary>
    public int RemotePort { get; set; } = 25;

    /// <summary>The schedule used when <see cref="RetrySchedule"/> is empty: 5, 10, 20, 40 minutes, then hourly.</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(60),
    ];

    /// <summary>
    /// Waits between attempts: the n-th retry waits the n-th entry, the last entry repeats. Empty (the
    /// default): <see cref="DefaultRetrySchedule"/>, in Postfix's spirit (first retry within minutes,
    /// backing off to about an hour). Empty by default because the configuration binder appends to lists.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>Random spread added to each wait, as a fraction of it (0.1 = up to +10 %), so retries do not arrive in bursts.</summary>
    public double RetryJitter { get; set; } = 0.1;

    /// <summary>Time after acceptance when recipients still pending fail with a DSN (Postfix: 5 days).</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Time after acceptance when a "delayed" DSN is sent once (if NOTIFY allows). Zero: never.</summary>
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Concurrent SMTP transactions to one destination (one operator domain, or the internal hop).</summary>
    public int ConcurrencyPerDestination { get; set; } = 10;

    /// <summary>Messages being delivered at once, all destinations together.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 50;

    /// <summary>How often <c>incoming/</c> is scanned besides the accept path's signal.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often <c>deferred/</c> is rescanned for messages the scheduler does not know (restart, queue CLI).</summary>
    public TimeSpan DeferredScanInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Connect, command and data timeout of one SMTP conversation (RFC 5321 §4.5.3.2 spirit).</summary>
    public TimeSpan SmtpTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>More Received header fields than this: a mail loop; the message fails with 5.4.6.</summary>
    public int MaxReceivedHeaders { get; set; } = 30;

    /// <summary>Lowest TLS version towards other operators and the internal hop: "Tls12" or "Tls13".</summary>
    public string MinimumTlsVersion { get; set; } = "Tls12";

    /// <summary>PEM certificate (IGC-Santé SERV SSL) presented to other operators as TLS client certificate.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>PEM intermediates sent with the client certificate (so the peer can build the path to the IGC-Santé root).</summary>
    public string? ClientChainFile { get; set; }

    /// <summary>Whether the peer certificate's name (SAN, else CN) must match the MX host or transport-map host.</summary>
    public bool CheckPeerName { get; set; } = true;

    /// <summary>Whether to return the full message in failure DSNs when the sender gave no RET (false: headers only).</summary>
    public bool ReturnFullMessageByDefault { get; set; }

    /// <summary>Local part of the DSN From address; the domain is <see cref="HeloName"/>.</summary>
    public string PostmasterLocalPart { get; set; } = "MAILER-DAEMON";

    /// <summary>The effective EHLO name.</summary>
    public string EffectiveHeloName => string.IsNullOrWhiteSpace(HeloName) ? System.Net.Dns.GetHostName() : HeloName;

    /// <summary>Wait before the given retry (1 = first retry), without jitter.</summary>
    public TimeSpan RetryDelay(int retry)
    {
        IReadOnlyList<TimeSpan> schedule = RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;
        return schedule[Math.Clamp(retry - 1, 0, schedule.Count - 1)];
    }
}
