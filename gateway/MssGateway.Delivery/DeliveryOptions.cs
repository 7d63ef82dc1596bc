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

    /// <summary>
    /// Most connections to one destination — one operator domain, or the
    /// internal hop (Postfix's <c>default_destination_concurrency_limit</c>). The window grows up to it
    /// from <see cref="InitialConcurrency"/> as deliveries succeed.
    /// </summary>
    public int ConcurrencyPerDestination { get; set; } = 20;

    /// <summary>Connections a destination starts with, and goes back to after it was dead (Postfix's <c>initial_destination_concurrency</c>); at most <see cref="ConcurrencyPerDestination"/>.</summary>
    public int InitialConcurrency { get; set; } = 5;

    /// <summary>
    /// Failed cohorts after which a destination is declared dead (Postfix's
    /// <c>default_destination_concurrency_failed_cohort_limit</c>): a cohort is as many consecutive
    /// connection failures as the window held when they began. Its messages then wait without a
    /// connection attempt each, until a probe succeeds.
    /// </summary>
    public int FailedCohortLimit { get; set; } = 1;

    /// <summary>First wait before a dead destination is probed again; doubles after each failed probe, up to the longest retry wait.</summary>
    public TimeSpan DeadDestinationRetry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Transactions in progress at once, all destinations together (each on its own connection, or pipelined behind another: <see cref="PipelineDepth"/>).</summary>
    public int MaxConcurrentDeliveries { get; set; } = 50;

    /// <summary>Transactions one connection carries before it is closed (Postfix: <c>smtp_connection_reuse_count_limit</c>).</summary>
    public int MaxMessagesPerConnection { get; set; } = 1000;

    /// <summary>
    /// Transactions one connection may have in flight (pipelining across transactions, RFC 2920 with
    /// RFC 3030's <c>BDAT … LAST</c>): with a backlog and every connection of the window busy, the next
    /// message is written behind the one whose last reply has not come back yet, so the peer answers
    /// both in fewer packets and the round trip between them is saved. Only towards a peer offering
    /// PIPELINING and CHUNKING and for messages sent in one write (up to 128 KiB); a destination then
    /// holds up to <see cref="ConcurrencyPerDestination"/> × this many transactions over at most
    /// <see cref="ConcurrencyPerDestination"/> connections. 1 turns it off (one transaction per
    /// connection at a time, as Postfix).
    /// </summary>
    public int PipelineDepth { get; set; } = 2;

    /// <summary>Age after which a connection takes no new transaction (Postfix: <c>smtp_connection_reuse_time_limit</c>, 300 s).</summary>
    public TimeSpan MaxConnectionAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// An idle connection is closed (QUIT) after this (Postfix: <c>smtp_connection_cache_time_limit</c>, 2 s):
    /// a remote Postfix keeps one process per connection, an idle one should not hold it long.
    /// </summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest time a delivered message's delete waits to be made durable (one fsync of <c>active/</c>
    /// for every delete of the interval; the state files and journal records follow it). A power loss
    /// within it re-delivers those messages (RFC 5321's duplicate window, never a loss); a process
    /// crash does not. Zero: every pass waits for its own fsync. At most one second.
    /// </summary>
    public TimeSpan DeleteSyncInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Send with BDAT (RFC 3030) when the next hop offers CHUNKING: no dot-stuffing, and one round trip per small message with PIPELINING.</summary>
    public bool UseChunking { get; set; } = true;

    /// <summary>Resume TLS sessions (tickets or ids) towards next hops that offer it: a new connection then skips the full handshake.</summary>
    public bool TlsSessionResumption { get; set; } = true;

    /// <summary>
    /// Safety-net scan of <c>incoming/</c> for messages nobody signalled (the accept path notifies the
    /// scheduler; the queue CLI's retry and release are noticed within a second). A scan of a very large
    /// <c>incoming/</c> also waits fifty times its own duration.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often <c>deferred/</c> is rescanned for messages the scheduler does not know (lost track; the start reads it once).</summary>
    public TimeSpan DeferredScanInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Connect, greeting, command and data-block timeout of an SMTP conversation (RFC 5321 §4.5.3.2: 5 minutes).</summary>
    public TimeSpan SmtpTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply after the data (RFC 5321 §4.5.3.2.6: 10 minutes; giving up earlier risks a duplicate).</summary>
    public TimeSpan DataTerminationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>More Received header fields than this: a mail loop; the message fails with 5.4.6.</summary>
    public int MaxReceivedHeaders { get; set; } = 30;

    /// <summary>Lowest TLS version towards other operators and the internal hop: "Tls12" or "Tls13".</summary>
    public OutboundTlsVersion MinimumTlsVersion { get; set; } = OutboundTlsVersion.Tls12;

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

    /// <summary>The longest wait of the retry schedule (the cap of a dead destination's back-off).</summary>
    public TimeSpan MaxRetryDelay => (RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule).Max();

    /// <summary>Wait before the given retry (1 = first retry), without jitter.</summary>
    public TimeSpan RetryDelay(int retry)
    {
        IReadOnlyList<TimeSpan> schedule = RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;
        return schedule[Math.Clamp(retry - 1, 0, schedule.Count - 1)];
    }
}
