using System.Globalization;
using System.Reflection;

namespace MssGateway.Smtp;

/// <summary>
/// The replies the protocol engine gives by itself (RFC 5321 §4.2, RFC 3463 codes), declared once.
/// Complete by construction: <see cref="All"/> is every property of this class, and the engine's
/// reply writer refuses to send a reply of its own that was not made from one of them (a reply with
/// other text keeps its origin through <see cref="SmtpReply.WithText"/>). The product's replies (hook
/// refusals) are the product's. docs/smtp.md "Engine replies" is tested against this list both ways.
/// </summary>
public static class SmtpReplies
{
    /// <summary>220 greeting; the text is the server name and banner (<see cref="Greeting(string, string)"/>).</summary>
    public static SmtpReply GreetingTemplate { get; } = new(220, null, null, "ESMTP");

    /// <summary>250 answer to HELO (no enhanced code: RFC 2034 §3).</summary>
    public static SmtpReply HeloOk { get; } = new(250, null, null, "Hello");

    /// <summary>250 answer to EHLO with the extension keywords (no enhanced code: RFC 2034 §3).</summary>
    public static SmtpReply EhloOk { get; } = new(250, null, null, "Hello");

    /// <summary>250 answer to a BDAT chunk that is not the last (RFC 3030 §2).</summary>
    public static SmtpReply ChunkOk { get; } = new(250, "2.0.0", null, "octets received");

    public static SmtpReply Ok { get; } = new(250, "2.0.0", null, "Ok");
    public static SmtpReply SenderOk { get; } = new(250, "2.1.0", null, "Sender ok");
    public static SmtpReply RecipientOk { get; } = new(250, "2.1.5", null, "Recipient ok");
    public static SmtpReply ResetOk { get; } = new(250, "2.0.0", null, "Reset state");
    public static SmtpReply NoopOk { get; } = new(250, "2.0.0", null, "Ok");
    public static SmtpReply Bye { get; } = new(221, "2.0.0", null, "Bye");
    public static SmtpReply StartData { get; } = new(354, null, null, "End data with <CR><LF>.<CR><LF>");
    public static SmtpReply ReadyToStartTls { get; } = new(220, "2.0.0", null, "Ready to start TLS");
    public static SmtpReply CannotVrfy { get; } = new(252, "2.5.0", null, "Cannot VRFY user, but will accept message and attempt delivery");
    public static SmtpReply Help { get; } = new(214, "2.0.0", null, "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS\nSee RFC 5321");

    public static SmtpReply TlsRequired { get; } = new(530, "5.7.0", "tls_required", "Must issue a STARTTLS command first");
    public static SmtpReply ClientCertificateMissing { get; } = new(530, "5.7.0", "client_cert_missing", "A client certificate is required");
    public static SmtpReply TlsNotAvailable { get; } = new(454, "4.7.0", "tls_not_available", "TLS not available");
    public static SmtpReply TlsAlreadyActive { get; } = new(503, "5.5.1", "bad_sequence", "TLS already active");
    public static SmtpReply PipelinedAfterStartTls { get; } = new(554, "5.5.1", "starttls_pipelining", "Commands pipelined after STARTTLS are refused");

    public static SmtpReply CommandUnrecognized { get; } = new(500, "5.5.2", "command_unrecognized", "Command unrecognized");
    public static SmtpReply CommandNotImplemented { get; } = new(502, "5.5.1", "command_not_implemented", "Command not implemented");
    public static SmtpReply CommandLineTooLong { get; } = new(500, "5.5.2", "command_line_too_long", "Line too long");
    public static SmtpReply BareLineEndingInCommand { get; } = new(500, "5.5.2", "bare_line_ending", "Command lines must end with <CR><LF>");
    public static SmtpReply SyntaxError { get; } = new(501, "5.5.4", "syntax_error", "Syntax error in parameters or arguments");
    public static SmtpReply BadAddressSyntax { get; } = new(501, "5.1.3", "bad_address_syntax", "Bad address syntax");
    public static SmtpReply BadDsnParameter { get; } = new(501, "5.5.4", "dsn_parameter_invalid", "DSN parameter must decode to printable US-ASCII");
    public static SmtpReply NonAsciiAddressWithoutSmtpUtf8 { get; } = new(553, "5.6.7", "smtputf8_required", "Non-ASCII address requires the SMTPUTF8 parameter");
    public static SmtpReply UnsupportedParameter { get; } = new(555, "5.5.4", "unsupported_parameter", "Unsupported MAIL or RCPT parameter");
    public static SmtpReply BadSequenceHeloFirst { get; } = new(503, "5.5.1", "bad_sequence", "Send EHLO or HELO first");
    public static SmtpReply BadSequenceNestedMail { get; } = new(503, "5.5.1", "bad_sequence", "Sender already specified");
    public static SmtpReply BadSequenceMailFirst { get; } = new(503, "5.5.1", "bad_sequence", "Need MAIL before RCPT");
    public static SmtpReply BadSequenceRcptFirst { get; } = new(503, "5.5.1", "bad_sequence", "Need RCPT before DATA");
    public static SmtpReply BadSequenceDataAfterBdat { get; } = new(503, "5.5.1", "bad_sequence", "DATA not allowed after BDAT in the same transaction");
    public static SmtpReply NoValidRecipients { get; } = new(554, "5.5.1", "no_valid_recipients", "No valid recipients");
    public static SmtpReply TooManyRecipients { get; } = new(452, "4.5.3", "too_many_recipients", "Too many recipients");
    public static SmtpReply MessageTooBig { get; } = new(552, "5.3.4", "message_too_big", "Message size exceeds the fixed maximum message size");
    public static SmtpReply TextLineTooLong { get; } = new(554, "5.6.0", "line_too_long", "Message line too long");
    public static SmtpReply Smuggling { get; } = new(550, "5.5.2", "smtp_smuggling", "Bare <CR> or <LF> in message data is not allowed");

    public static SmtpReply TooManyErrors { get; } = new(421, "4.7.0", "too_many_errors", "Too many errors, closing connection");
    public static SmtpReply TooManyMessages { get; } = new(421, "4.7.0", "too_many_messages", "Too many messages in one session, closing connection");
    public static SmtpReply BdatSyntax { get; } = new(501, "5.5.4", "syntax_error", "Syntax: BDAT <size> [LAST]; closing connection as the chunk size is unknown");
    public static SmtpReply TooManyConnections { get; } = new(421, "4.7.0", "too_many_connections", "Too many connections, try again later");
    public static SmtpReply TooManyConnectionsFromIp { get; } = new(421, "4.7.0", "too_many_connections_from_ip", "Too many connections from your address, try again later");
    public static SmtpReply Timeout { get; } = new(421, "4.4.2", "timeout", "Timeout exceeded, closing connection");
    public static SmtpReply SessionTooLong { get; } = new(421, "4.4.2", "session_too_long", "Session lasted too long, closing connection");
    public static SmtpReply ShuttingDown { get; } = new(421, "4.3.2", "shutting_down", "Service shutting down, try again later");
    public static SmtpReply LocalError { get; } = new(451, "4.3.0", "local_error", "Local error in processing, try again later");
    public static SmtpReply StorageFull { get; } = new(452, "4.3.1", "insufficient_storage", "Insufficient system storage");
    public static SmtpReply ConnectionRateExceeded { get; } = new(421, "4.7.0", "connection_rate_exceeded", "Too many connections from your address in a short time, try again later");
    public static SmtpReply ClientPenalised { get; } = new(421, "4.7.0", "client_penalised", "Too many protocol violations from your address, try again later");
    public static SmtpReply Pregreet { get; } = new(554, "5.5.1", "pregreet", "Client sent data before the greeting, closing connection");
    public static SmtpReply TooManyCommandsBeforeTls { get; } = new(421, "4.7.0", "too_many_commands_before_tls", "Too many commands before STARTTLS, closing connection");
    public static SmtpReply TlsNotStarted { get; } = new(421, "4.7.0", "tls_not_started", "TLS not started in time, closing connection");
    public static SmtpReply DataRateTooLow { get; } = new(421, "4.4.2", "data_rate_too_low", "Message data arrives too slowly, closing connection");

    private static readonly Lazy<SmtpReply[]> Declared = new(() =>
        [.. typeof(SmtpReplies).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(SmtpReply))
            .Select(p => (SmtpReply)p.GetValue(null)!)]);

    private static readonly Lazy<HashSet<SmtpReply>> DeclaredSet = new(() => new HashSet<SmtpReply>(Declared.Value, ReferenceEqualityComparer.Instance));

    /// <summary>Every engine reply (every <see cref="SmtpReply"/> property of this class), for documentation and tests.</summary>
    public static IReadOnlyList<SmtpReply> All => Declared.Value;

    /// <summary>True when <paramref name="reply"/> is one of <see cref="All"/> or was made from one.</summary>
    public static bool IsDeclared(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return DeclaredSet.Value.Contains(reply.Origin);
    }

    internal static SmtpReply Greeting(string serverName, string banner) => GreetingTemplate.WithText($"{serverName} {banner}");

    internal static SmtpReply ChunkReceived(long size) => ChunkOk.WithText($"{size.ToString(CultureInfo.InvariantCulture)} octets received");
}
