namespace MssGateway.Smtp;

/// <summary>
/// Limits that keep one client from exhausting the server. Defaults follow RFC 5321 §4.5.3
/// (sizes) and §4.5.3.2 (timeouts); each can be changed in configuration
/// (<c>Gateway:Smtp:Limits:*</c>).
/// </summary>
public sealed class SmtpServerLimits
{
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

    /// <summary>Throws with the name of the first invalid limit.</summary>
    public void Validate(string prefix)
    {
        Require(MaxCommandLineLength >= 512, nameof(MaxCommandLineLength), "must be at least 512 (RFC 5321 §4.5.3.1.4)");
        Require(MaxTextLineLength >= 1000, nameof(MaxTextLineLength), "must be at least 1000 (RFC 5321 §4.5.3.1.6)");
        Require(MaxMessageSize >= 64 * 1024, nameof(MaxMessageSize), "must be at least 65536 (RFC 5321 §4.5.3.1.7)");
        Require(MaxRecipients >= 1, nameof(MaxRecipients), "must be at least 1");
        Require(MaxErrors >= 1, nameof(MaxErrors), "must be at least 1");
        Require(MaxMessagesPerSession >= 1, nameof(MaxMessagesPerSession), "must be at least 1");
        Require(MaxConcurrentSessions >= 1, nameof(MaxConcurrentSessions), "must be at least 1");
        Require(MaxConcurrentSessionsPerClient >= 1, nameof(MaxConcurrentSessionsPerClient), "must be at least 1");
        Require(CommandTimeout > TimeSpan.Zero, nameof(CommandTimeout), "must be positive (e.g. 00:05:00)");
        Require(DataBlockTimeout > TimeSpan.Zero, nameof(DataBlockTimeout), "must be positive (e.g. 00:03:00)");
        Require(TlsHandshakeTimeout > TimeSpan.Zero, nameof(TlsHandshakeTimeout), "must be positive (e.g. 00:00:30)");
        Require(MaxSessionDuration > TimeSpan.Zero, nameof(MaxSessionDuration), "must be positive (e.g. 00:30:00)");
        Require(MaxChunkSize > 0, nameof(MaxChunkSize), "must be positive");

        void Require(bool ok, string key, string fix)
        {
            if (!ok)
            {
                throw new SmtpConfigurationException($"{prefix}:{key} {fix}.");
            }
        }
    }
}
