using System.Net.Security;

namespace MssGateway.Smtp;

/// <summary>
/// The decisions the protocol engine leaves to the product (DESIGN.md §2: the engine knows nothing
/// of MSSanté). Each returns a reply to refuse, or null to go on with the engine's own reply.
/// Implementations must not throw for bad input: a refusal is a value.
/// </summary>
public interface ISmtpSessionHooks
{
    /// <summary>A client connected (before the greeting). A refusal is sent as 554/421 and the session ends.</summary>
    ValueTask<SmtpReply?> OnConnectedAsync(SmtpSessionInfo session, CancellationToken cancellationToken);

    /// <summary>
    /// The TLS handshake finished; <see cref="SmtpSessionInfo.ClientCertificate"/> is set when the client
    /// sent one. A refusal is given to the client's next command and the session then ends.
    /// </summary>
    ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken);

    /// <summary>MAIL FROM was well-formed; decide on the sender.</summary>
    ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken);

    /// <summary>RCPT TO was well-formed; decide on the recipient.</summary>
    ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken);

    /// <summary>
    /// The first data of a message is about to arrive (DATA accepted or first BDAT). The writer receives
    /// the message exactly as it will be stored (dot-unstuffed) and decides at its end.
    /// </summary>
    ValueTask<ISmtpMessageWriter> OpenMessageAsync(SmtpSessionInfo session, SmtpTransaction transaction, CancellationToken cancellationToken);

    /// <summary>The TLS handshake failed (logged and counted by the product).</summary>
    void OnTlsHandshakeFailed(SmtpSessionInfo session, Exception error);

    /// <summary>The session ended, one call per session (for the session log line and metrics).</summary>
    void OnSessionEnded(SmtpSessionInfo session, SmtpSessionSummary summary);
}

/// <summary>Receives one message's data and gives the final reply.</summary>
public interface ISmtpMessageWriter : IAsyncDisposable
{
    /// <summary>Appends message data (already dot-unstuffed, CRLF line endings).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// The message ended cleanly. Returns the reply for the client: 250 only once the message is durable.
    /// When this is not called (refusal, disconnect), <see cref="IAsyncDisposable.DisposeAsync"/> discards the data.
    /// </summary>
    ValueTask<SmtpReply> CompleteAsync(long messageSize, CancellationToken cancellationToken);
}

/// <summary>How a session ended, for the one log line per session.</summary>
public sealed class SmtpSessionSummary
{
    public required TimeSpan Duration { get; init; }

    public required int MessagesAccepted { get; init; }

    public required int MessagesRefused { get; init; }

    /// <summary>Why the session ended.</summary>
    public required SmtpEndReason End { get; init; }

    /// <summary>The log label of <see cref="End"/> (quit, client_closed, timeout, ...: <see cref="SmtpSessionLabels"/>).</summary>
    public string EndReason => End.ToLabel();

    /// <summary>Reason label of the last refusal in the session, if any.</summary>
    public string? LastRefusalReason { get; init; }

    public int? LastReplyCode { get; init; }
}

/// <summary>Hooks that accept every sender and recipient; products override what they decide and say where messages go.</summary>
public abstract class SmtpSessionHooks : ISmtpSessionHooks
{
    public virtual ValueTask<SmtpReply?> OnConnectedAsync(SmtpSessionInfo session, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public virtual ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public virtual ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public virtual ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public abstract ValueTask<ISmtpMessageWriter> OpenMessageAsync(SmtpSessionInfo session, SmtpTransaction transaction, CancellationToken cancellationToken);

    public virtual void OnTlsHandshakeFailed(SmtpSessionInfo session, Exception error)
    {
    }

    public virtual void OnSessionEnded(SmtpSessionInfo session, SmtpSessionSummary summary)
    {
    }
}
