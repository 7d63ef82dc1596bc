namespace MssGateway.Smtp;

/// <summary>
/// Limits that keep one client from exhausting the server. Defaults follow RFC 5321 §4.5.3
/// (sizes) and §4.5.3.2 (timeouts); each can be changed in configuration
/// (<c>Gateway:Smtp:Limits:*</c>).
/// </summary>
public sealed class SmtpServerLimits
{
    /// <summary>Where the gateway binds these limits (the keys <see cref="SmtpServerLimitsValidator"/> names).</summary>
    public const string Section = "Gateway:Smtp:Limits";

    /// <summary>Command line length including CRLF (RFC 5321 §4.5.3.1.4: 512).</summary>
    public int MaxCommandLineLength { get; set; } = 512;

    /// <summary>Text line length in DATA including CRLF (RFC 5321 §4.5.3.1.6: 1000).</summary>
    public int MaxTextLineLength { get; set; } = 1000;

    /// <summary>Message size limit advertised with SIZE (RFC 1870); 20 MB by default.</summary>
    public long MaxMessageSize { get; set; } = 20 * 1024 * 1024;

    /// <summary>Recipients accepted per message (RFC 5321 §4.5.3.1.8 requires at least 100).</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Negative replies (syntax, sequence, refusals) after which the session is closed with 421.</summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>Messages accepted in one session before the server closes it after the next reply.</summary>
    public int MaxMessagesPerSession { get; set; } = 1000;

    /// <summary>Concurrent sessions per listener.</summary>
    public int MaxConcurrentSessions { get; set; } = 2000;

    /// <summary>Concurrent sessions from one client IP address, per listener.</summary>
    public int MaxConcurrentSessionsPerClient { get; set; } = 50;

    /// <summary>Waiting for a command (RFC 5321 §4.5.3.2.7 server timeout: 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for the next block of message data (§4.5.3.2.5 data block: 3 minutes).</summary>
    public TimeSpan DataBlockTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The TLS handshake, STARTTLS or implicit.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on a whole session, so a slow client cannot hold a slot forever.</summary>
    public TimeSpan MaxSessionDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest BDAT chunk the server reads (it is streamed, this only bounds the declared size).</summary>
    public long MaxChunkSize { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// New connections from one client IP address per <see cref="ConnectionRateWindow"/>, per listener
    /// (like Postfix's <c>smtpd_client_connection_rate_limit</c>); over it: 421 4.7.0
    /// connection_rate_exceeded. 0 turns the limit off.
    /// </summary>
    public int MaxConnectionRatePerClient { get; set; } = 600;

    /// <summary>The time unit of <see cref="MaxConnectionRatePerClient"/> (Postfix's <c>anvil_rate_time_unit</c>).</summary>
    public TimeSpan ConnectionRateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// On a listener that requires TLS: commands accepted before TLS (EHLO, NOOP, RSET, refused ones…);
    /// the next one gets 421 4.7.0 too_many_commands_before_tls and the connection is closed. A client
    /// that means to use TLS needs two (EHLO, STARTTLS).
    /// </summary>
    public int MaxCommandsBeforeTls { get; set; } = 10;

    /// <summary>
    /// A client whose first octets are already waiting when the greeting is about to be sent talked before
    /// its turn (RFC 5321 §3.1: the client waits for the 220; Postfix's postscreen calls it "pregreet"): it
    /// gets 554 5.5.1 pregreet instead of the greeting and the connection is closed, before any of its
    /// commands is read. The check waits for nothing (no greet delay): a client that waits for the greeting,
    /// as every MTA does, cannot fail it. False sends the greeting anyway.
    /// </summary>
    public bool RefusePregreet { get; set; } = true;

    /// <summary>On a listener that requires TLS: time from connect to a finished STARTTLS handshake, then 421 4.7.0 tls_not_started.</summary>
    public TimeSpan TlsStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Minimum average rate of message data in DATA and BDAT, in octets per second, counted from the
    /// start of the transfer once <see cref="MinDataRateGracePeriod"/> has passed (like Kestrel's
    /// <c>MinRequestBodyDataRate</c>, Postfix's <c>smtpd_min_data_rate</c>); slower: 421 4.4.2
    /// data_rate_too_low. 0 turns the check off.
    /// </summary>
    public int MinDataRate { get; set; } = 500;

    /// <summary>Time a transfer may take before <see cref="MinDataRate"/> applies (slow start, a large first TCP window).</summary>
    public TimeSpan MinDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Replies not yet handed to the transport past which the server flushes and waits for the client to
    /// read (RFC 2920: replies are otherwise sent at the end of each pipelined group). Bounds the memory
    /// a client that sends commands without reading replies can make the server hold.
    /// </summary>
    public int MaxUnflushedReplyBytes { get; set; } = 4096;

    /// <summary>Time a flush of replies may wait for the client to read; a client that reads nothing for this long is cut.</summary>
    public TimeSpan ReplyFlushTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Octets the socket transport reads from a connection ahead of what its session has consumed; past it
    /// the transport stops reading that socket until the session catches up (Kestrel's
    /// <c>SocketTransportOptions.MaxReadBufferSize</c>, 1 MB in Kestrel). Bounds what a client that sends
    /// without waiting makes the server hold per connection, and what the server reads of a flood it is
    /// about to cut (bench/abuse.sh's flood: ~150 KB per connection before). The same bound applies to every
    /// listener of the process (the HTTP port too). At least 4096 and twice the longest line
    /// (<see cref="MaxCommandLineLength"/>, <see cref="MaxTextLineLength"/>), so a whole line always fits.
    /// </summary>
    public long MaxReadBufferSize { get; set; } = 16 * 1024;

    /// <summary>
    /// Offences from one client address within <see cref="OffenceWindow"/> after which the address is penalised
    /// for <see cref="OffencePenalty"/> (postscreen's temporary blocklist): its new connections, on every
    /// listener, get 421 4.7.0 client_penalised before any TLS handshake or session. An offence is a session
    /// the gateway had to cut (a budget, a time limit or the data rate, a client that reads no replies, a
    /// failed TLS handshake, a refused certificate, a protocol violation, too many errors) and each transfer
    /// the client abandoned after sending data (RSET, EHLO, QUIT or a disconnect inside DATA/BDAT). An MTA
    /// that waits for its turn and finishes what it starts commits none. 0 turns penalties off.
    /// </summary>
    public int MaxOffencesPerClient { get; set; } = 10;

    /// <summary>The period over which <see cref="MaxOffencesPerClient"/> is counted (from a client's first offence).</summary>
    public TimeSpan OffenceWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a penalised address is refused.</summary>
    public TimeSpan OffencePenalty { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a penalised address's connection is held, nothing read, before its 421 (a tarpit: a client that
    /// reconnects at once is slowed to one attempt per this time per connection). At most
    /// <see cref="MaxConcurrentSessions"/> connections are held per listener; past that they are refused at once.
    /// Zero refuses at once.
    /// </summary>
    public TimeSpan PenaltyTarpit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// True: connections from the loopback addresses (127.0.0.0/8, ::1) are never penalised — local processes
    /// (a local MTA, probes), as postscreen trusts <c>mynetworks</c> by default.
    /// </summary>
    public bool PenaltyExemptLoopback { get; set; } = true;

    /// <summary>
    /// CIDR blocks (e.g. "10.20.0.0/16") never penalised: a hospital's known MTAs, or the address every client
    /// appears from behind a load balancer that rewrites source addresses without the PROXY protocol.
    /// </summary>
    public List<string> PenaltyExemptNetworks { get; set; } = [];

    /// <summary>On a listener with PROXY protocol: time for the load balancer's PROXY header to arrive.</summary>
    public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
