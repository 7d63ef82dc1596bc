using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;

namespace MssGateway.Smtp;

/// <summary>
/// One SMTP session: the RFC 5321 server state machine over System.IO.Pipelines, with the
/// extensions of DESIGN.md §2 (PIPELINING, SIZE, 8BITMIME, STARTTLS, ENHANCEDSTATUSCODES,
/// CHUNKING, SMTPUTF8, DSN) and implicit TLS (RFC 8314). Replies are buffered and flushed only
/// when no further command is waiting in the input (RFC 2920). Every product decision goes
/// through <see cref="ISmtpSessionHooks"/>.
/// </summary>
internal sealed class SmtpSession
{
    private const int DataFlushThreshold = 64 * 1024;
    private static readonly UTF8Encoding Utf8Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly SmtpServer _server;
    private readonly SmtpListenerOptions _listener;
    private readonly ConnectionContext _connection;
    private readonly CancellationToken _closing;
    private readonly SmtpServerLimits _limits;
    private readonly long _maxMessageSize;
    private readonly SmtpSessionInfo _info;
    private readonly CancellationTokenSource _timer = new();
    private readonly ISmtpSessionHooks _hooks;
    private readonly long _startTimestamp;

    private PipeReader _input;
    private PipeWriter _output;
    private SslStream? _ssl;
    private bool _outputPending;
    private volatile bool _inData;
    private volatile bool _shutdownRequested;
    private volatile int _timerKind; // 0 none, 1 phase timeout, 2 session limit
    private volatile int _pendingTimerKind;

    private SmtpTransaction? _transaction;
    private int _recipientAttempts;
    private ISmtpMessageWriter? _bdatWriter;
    private MessageDataDecoder? _bdatDecoder;
    private PooledBufferWriter? _bdatBuffer;
    private SmtpReply? _bdatFailure;
    private long _bdatStarted;
    private bool _bdatUsed;

    private int _errors;
    private int _refusedMessages;
    private SmtpReply? _pendingRefusal;
    private string? _lastRefusalReason;
    private int? _lastReplyCode;

    public SmtpSession(SmtpServer server, SmtpListenerOptions listener, ConnectionContext connection, CancellationToken closing)
    {
        _server = server;
        _listener = listener;
        _connection = connection;
        _closing = closing;
        _limits = server.Options.Limits;
        _hooks = server.Hooks;
        _maxMessageSize = listener.MaxMessageSize ?? _limits.MaxMessageSize;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _info = new SmtpSessionInfo(connection.ConnectionId, listener, connection.RemoteEndPoint as IPEndPoint, connection.LocalEndPoint as IPEndPoint, server.Options.ServerName);
        _startTimestamp = server.Time.GetTimestamp();
    }

    private enum LineStatus
    {
        Ok,
        Closed,
        TimedOut,
        SessionTooLong,
        ShuttingDown,
        TooLong,
        BareLineEnding,
        InvalidUtf8,
    }

    private enum Outcome
    {
        Continue,
        Close,
    }

    public async Task RunAsync()
    {
        _server.Metrics.SessionStarted(_listener.Name);
        var endReason = "client_closed";
        using var timerRegistration = _timer.Token.Register(OnTimer);
        using var closingRegistration = _closing.Register(OnClosingRequested);
        try
        {
            endReason = await RunProtocolAsync();
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
        {
            endReason = "client_closed";
        }
        catch (OperationCanceledException)
        {
            endReason = _timerKind != 0 ? "timeout" : "shutting_down";
        }
#pragma warning disable CA1031 // The session boundary: a bug must not take the listener down; it is logged and answered 421.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            endReason = "error";
            SmtpLog.SessionFailed(_server.Logger, ex, _listener.Name, _info.Id);
            await TryWriteFinalAsync(SmtpReplies.LocalError);
        }
        finally
        {
            await CleanupAsync(endReason is "quit" or "refused" or "too_many_errors" or "timeout" or "shutting_down" or "too_many_messages");
            var duration = _server.Time.GetElapsedTime(_startTimestamp);
            _server.Metrics.SessionEnded(_listener.Name, duration);
            _hooks.OnSessionEnded(_info, new SmtpSessionSummary
            {
                Duration = duration,
                MessagesAccepted = _info.MessagesAccepted,
                MessagesRefused = _refusedMessages,
                EndReason = endReason,
                LastRefusalReason = _lastRefusalReason,
                LastReplyCode = _lastReplyCode,
            });
            _timer.Dispose();
        }
    }

    private async Task<string> RunProtocolAsync()
    {
        if (_listener.TlsMode == SmtpTlsMode.Implicit && !await StartTlsAsync())
        {
            return "tls_failed";
        }

        var refusal = await _hooks.OnConnectedAsync(_info, _closing);
        if (refusal is not null)
        {
            Reply(refusal.Code is 421 or 554 ? refusal : new SmtpReply(554, refusal.EnhancedCode, refusal.Reason, refusal.Text), "connect");
            await FlushAsync();
            return "refused";
        }

        Reply(new SmtpReply(220, null, null, $"{_server.Options.ServerName} {_server.Options.Banner}"), "connect");

        while (true)
        {
            var (status, line) = await ReadLineAsync();
            switch (status)
            {
                case LineStatus.Closed:
                    return "client_closed";
                case LineStatus.TimedOut:
                    Reply(SmtpReplies.Timeout, "command");
                    await FlushAsync();
                    return "timeout";
                case LineStatus.SessionTooLong:
                    Reply(SmtpReplies.SessionTooLong, "command");
                    await FlushAsync();
                    return "timeout";
                case LineStatus.ShuttingDown:
                    Reply(SmtpReplies.ShuttingDown, "command");
                    await FlushAsync();
                    return "shutting_down";
                case LineStatus.TooLong:
                    Reply(SmtpReplies.CommandLineTooLong, "command");
                    break;
                case LineStatus.BareLineEnding:
                    Reply(SmtpReplies.BareLineEndingInCommand, "command");
                    break;
                case LineStatus.InvalidUtf8:
                    Reply(SmtpReplies.SyntaxError.WithText("Command is not valid UTF-8"), "command");
                    break;
                default:
                    var (outcome, reason) = await ExecuteAsync(line!);
                    if (outcome == Outcome.Close)
                    {
                        await FlushAsync();
                        return reason;
                    }

                    break;
            }

            if (_errors >= _limits.MaxErrors)
            {
                Reply(SmtpReplies.TooManyErrors, "command");
                await FlushAsync();
                return "too_many_errors";
            }

            if (_info.MessagesAccepted >= _limits.MaxMessagesPerSession)
            {
                Reply(SmtpReplies.TooManyMessages, "command");
                await FlushAsync();
                return "too_many_messages";
            }

            if (_shutdownRequested && _transaction is null)
            {
                Reply(SmtpReplies.ShuttingDown, "command");
                await FlushAsync();
                return "shutting_down";
            }
        }
    }

    private async ValueTask<(Outcome Outcome, string Reason)> ExecuteAsync(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var args = space < 0 ? string.Empty : line[(space + 1)..];

        if (_pendingRefusal is not null && verb != "QUIT")
        {
            // The client certificate was refused after the handshake: answer and end the session.
            Reply(_pendingRefusal, "tls");
            return (Outcome.Close, "refused");
        }

        if (_listener.RequireTls && !_info.IsTls && verb is not ("EHLO" or "HELO" or "STARTTLS" or "QUIT" or "NOOP" or "RSET"))
        {
            if (verb == "BDAT" && TryParseBdat(args, out var size, out _) && size <= _limits.MaxChunkSize)
            {
                await DiscardAsync(size);
            }

            Reply(SmtpReplies.TlsRequired, "command");
            return (Outcome.Continue, string.Empty);
        }

        switch (verb)
        {
            case "EHLO":
            case "HELO":
                Hello(verb == "EHLO", args.Trim());
                return (Outcome.Continue, string.Empty);
            case "MAIL":
                await MailAsync(args);
                return (Outcome.Continue, string.Empty);
            case "RCPT":
                await RcptAsync(args);
                return (Outcome.Continue, string.Empty);
            case "DATA":
                return await DataAsync(args);
            case "BDAT":
                return await BdatAsync(args);
            case "RSET":
                await ResetTransactionAsync();
                Reply(SmtpReplies.ResetOk, "command");
                return (Outcome.Continue, string.Empty);
            case "NOOP":
                Reply(SmtpReplies.NoopOk, "command");
                return (Outcome.Continue, string.Empty);
            case "QUIT":
                Reply(SmtpReplies.Bye, "command");
                return (Outcome.Close, "quit");
            case "VRFY":
                Reply(SmtpReplies.CannotVrfy, "command");
                return (Outcome.Continue, string.Empty);
            case "HELP":
                Reply(SmtpReplies.Help, "command");
                return (Outcome.Continue, string.Empty);
            case "STARTTLS":
                return await StartTlsCommandAsync(args);
            case "EXPN":
            case "TURN":
            case "ETRN":
            case "ATRN":
            case "AUTH":
            case "SEND":
            case "SOML":
            case "SAML":
                Reply(SmtpReplies.CommandNotImplemented, "command");
                return (Outcome.Continue, string.Empty);
            default:
                Reply(SmtpReplies.CommandUnrecognized, "command");
                return (Outcome.Continue, string.Empty);
        }
    }

    private void Hello(bool extended, string name)
    {
        if (!SmtpCommandParser.IsValidHeloName(name))
        {
            Reply(SmtpReplies.SyntaxError.WithText(extended ? "EHLO requires a domain or address literal" : "HELO requires a domain or address literal"), "helo");
            return;
        }

        DropTransaction();
        _info.HeloName = name;
        _info.IsExtended = extended;
        var server = _server.Options.ServerName;
        var client = _info.RemoteEndPoint?.Address.ToString() ?? "unknown";
        if (!extended)
        {
            Reply(new SmtpReply(250, null, null, $"{server} Hello {name} [{client}]"), "helo");
            return;
        }

        var sb = new StringBuilder(256);
        sb.Append(server).Append(" Hello ").Append(name).Append(" [").Append(client).Append(']');
        sb.Append("\nPIPELINING\nSIZE ").Append(_maxMessageSize.ToString(CultureInfo.InvariantCulture));
        var tlsPending = _listener.RequireTls && !_info.IsTls;
        if (!tlsPending)
        {
            sb.Append("\n8BITMIME");
        }

        sb.Append("\nENHANCEDSTATUSCODES");
        if (!_info.IsTls && _listener.TlsMode == SmtpTlsMode.StartTls && _server.Tls is not null)
        {
            sb.Append("\nSTARTTLS");
        }

        if (!tlsPending)
        {
            sb.Append("\nCHUNKING\nSMTPUTF8\nDSN");
        }

        // RFC 2034 §3: no enhanced codes on the EHLO response.
        Reply(new SmtpReply(250, null, null, sb.ToString()), "helo");
    }

    private async ValueTask MailAsync(string args)
    {
        if (_info.HeloName is null)
        {
            Reply(SmtpReplies.BadSequenceHeloFirst, "mail");
            return;
        }

        if (_transaction is not null)
        {
            Reply(SmtpReplies.BadSequenceNestedMail, "mail");
            return;
        }

        var error = SmtpCommandParser.ParseMailFrom(args, out var mailFrom);
        if (error is not null)
        {
            Reply(error, "mail");
            return;
        }

        if (mailFrom!.DeclaredSize > _maxMessageSize)
        {
            Reply(SmtpReplies.MessageTooBig, "mail");
            return;
        }

        var refusal = await _hooks.OnMailFromAsync(_info, mailFrom, _closing);
        if (refusal is not null)
        {
            Reply(refusal, "mail");
            return;
        }

        _transaction = new SmtpTransaction(mailFrom);
        _recipientAttempts = 0;
        _bdatUsed = false;
        Reply(SmtpReplies.SenderOk, "mail");
    }

    private async ValueTask RcptAsync(string args)
    {
        if (_transaction is null)
        {
            Reply(SmtpReplies.BadSequenceMailFirst, "rcpt");
            return;
        }

        _recipientAttempts++;
        if (_transaction.Recipients.Count >= _limits.MaxRecipients)
        {
            Reply(SmtpReplies.TooManyRecipients, "rcpt");
            return;
        }

        var error = SmtpCommandParser.ParseRcptTo(args, _transaction.MailFrom.SmtpUtf8, out var recipient);
        if (error is not null)
        {
            Reply(error, "rcpt");
            return;
        }

        var refusal = await _hooks.OnRecipientAsync(_info, _transaction, recipient!, _closing);
        if (refusal is not null)
        {
            Reply(refusal, "rcpt");
            return;
        }

        _transaction.AddRecipient(recipient!);
        Reply(SmtpReplies.RecipientOk, "rcpt");
    }

    private SmtpReply? CheckReadyForData()
    {
        if (_transaction is null)
        {
            return SmtpReplies.BadSequenceMailFirst;
        }

        if (_transaction.Recipients.Count == 0)
        {
            return _recipientAttempts > 0 ? SmtpReplies.NoValidRecipients : SmtpReplies.BadSequenceRcptFirst;
        }

        return null;
    }

    private async ValueTask<(Outcome Outcome, string Reason)> DataAsync(string args)
    {
        if (args.Length > 0)
        {
            Reply(SmtpReplies.SyntaxError.WithText("DATA takes no argument"), "data");
            return (Outcome.Continue, string.Empty);
        }

        var notReady = CheckReadyForData() ?? (_bdatUsed ? SmtpReplies.BadSequenceDataAfterBdat : null);
        if (notReady is not null)
        {
            Reply(notReady, "data");
            return (Outcome.Continue, string.Empty);
        }

        var transaction = _transaction!;
        ISmtpMessageWriter writer;
        try
        {
            writer = await _hooks.OpenMessageAsync(_info, transaction, _closing);
        }
        catch (IOException)
        {
            Reply(SmtpReplies.LocalError, "data");
            return (Outcome.Continue, string.Empty);
        }

        var started = _server.Time.GetTimestamp();
        await using (writer)
        {
            Reply(SmtpReplies.StartData, "data");
            await FlushAsync();

            var decoder = new MessageDataDecoder(dotStuffed: true, _limits.MaxTextLineLength);
            var tooBig = false;
            var writeFailed = false;
            using (var buffer = new PooledBufferWriter(16 * 1024))
            {
                _inData = true;
                try
                {
                    while (true)
                    {
                        var result = await ReadWithTimeoutAsync(_limits.DataBlockTimeout);
                        if (result.IsCanceled)
                        {
                            if (_timerKind != 0)
                            {
                                Reply(SmtpReplies.Timeout, "data");
                                return (Outcome.Close, "timeout");
                            }

                            continue; // a shutdown request waits for the end of the message
                        }

                        var input = result.Buffer;
                        var consumed = decoder.Decode(input, tooBig || writeFailed ? null : buffer, out var ended);
                        _input.AdvanceTo(input.GetPosition(consumed));
                        if (!tooBig && decoder.DecodedLength > _maxMessageSize)
                        {
                            tooBig = true; // keep reading to the end marker, store nothing more
                            buffer.Clear();
                        }

                        if (!tooBig && !writeFailed && (ended || buffer.WrittenCount >= DataFlushThreshold))
                        {
                            writeFailed = !await TryWriteAsync(writer, buffer.WrittenMemory);
                            buffer.Clear();
                        }

                        if (ended)
                        {
                            break;
                        }

                        if (result.IsCompleted)
                        {
                            return (Outcome.Close, "client_closed");
                        }
                    }
                }
                finally
                {
                    _inData = false;
                }
            }

            var reply = tooBig ? SmtpReplies.MessageTooBig
                : decoder.BareLineEnding ? SmtpReplies.Smuggling
                : decoder.LineTooLong ? SmtpReplies.TextLineTooLong
                : writeFailed ? SmtpReplies.LocalError
                : await CompleteAsync(writer, decoder.DecodedLength);
            FinishMessage(reply, decoder.DecodedLength, started);
        }

        return (Outcome.Continue, string.Empty);
    }

    private async ValueTask<(Outcome Outcome, string Reason)> BdatAsync(string args)
    {
        if (!TryParseBdat(args, out var size, out var last))
        {
            Reply(SmtpReplies.BdatSyntax, "data");
            return (Outcome.Close, "refused");
        }

        if (size > _limits.MaxChunkSize)
        {
            Reply(SmtpReplies.MessageTooBig.WithText("BDAT chunk too large; closing connection"), "data");
            return (Outcome.Close, "refused");
        }

        var notReady = CheckReadyForData();
        if (notReady is not null)
        {
            await DiscardAsync(size);
            Reply(notReady, "data");
            return (Outcome.Continue, string.Empty);
        }

        if (!_bdatUsed)
        {
            _bdatUsed = true;
            _bdatStarted = _server.Time.GetTimestamp();
            _bdatDecoder = new MessageDataDecoder(dotStuffed: false, _limits.MaxTextLineLength);
            _bdatFailure = null;
            try
            {
                _bdatWriter = await _hooks.OpenMessageAsync(_info, _transaction!, _closing);
                _bdatBuffer = new PooledBufferWriter(16 * 1024);
            }
            catch (IOException)
            {
                _bdatFailure = SmtpReplies.LocalError;
            }
        }

        var decoder = _bdatDecoder!;
        var remaining = size;
        _inData = true;
        try
        {
            while (remaining > 0)
            {
                var result = await ReadWithTimeoutAsync(_limits.DataBlockTimeout);
                if (result.IsCanceled)
                {
                    if (_timerKind != 0)
                    {
                        Reply(SmtpReplies.Timeout, "data");
                        return (Outcome.Close, "timeout");
                    }

                    continue;
                }

                var input = result.Buffer;
                var chunk = input.Slice(0, Math.Min(remaining, input.Length));
                decoder.Decode(chunk, _bdatFailure is null ? _bdatBuffer : null, out _);
                remaining -= chunk.Length;
                _input.AdvanceTo(chunk.End);
                if (_bdatFailure is null && decoder.DecodedLength > _maxMessageSize)
                {
                    _bdatFailure = SmtpReplies.MessageTooBig;
                }

                if (_bdatFailure is null && _bdatBuffer!.WrittenCount >= DataFlushThreshold)
                {
                    if (!await TryWriteAsync(_bdatWriter!, _bdatBuffer.WrittenMemory))
                    {
                        _bdatFailure = SmtpReplies.LocalError;
                    }

                    _bdatBuffer.Clear();
                }

                if (remaining > 0 && result.IsCompleted)
                {
                    return (Outcome.Close, "client_closed");
                }
            }
        }
        finally
        {
            _inData = false;
        }

        if (!last)
        {
            // RFC 3030 §2: an error on one chunk is repeated for the following ones until LAST or RSET.
            Reply(_bdatFailure ?? new SmtpReply(250, "2.0.0", null, $"{size.ToString(CultureInfo.InvariantCulture)} octets received"), "data");
            return (Outcome.Continue, string.Empty);
        }

        decoder.Finish(_bdatFailure is null ? _bdatBuffer : null);
        var reply = _bdatFailure
            ?? (decoder.BareLineEnding ? SmtpReplies.Smuggling
            : decoder.LineTooLong ? SmtpReplies.TextLineTooLong
            : null);
        if (reply is null)
        {
            reply = _bdatBuffer!.WrittenCount > 0 && !await TryWriteAsync(_bdatWriter!, _bdatBuffer.WrittenMemory)
                ? SmtpReplies.LocalError
                : await CompleteAsync(_bdatWriter!, decoder.DecodedLength);
        }

        FinishMessage(reply, decoder.DecodedLength, _bdatStarted);
        await ResetTransactionAsync();
        return (Outcome.Continue, string.Empty);
    }

    private async ValueTask<SmtpReply> CompleteAsync(ISmtpMessageWriter writer, long size)
    {
        try
        {
            return await writer.CompleteAsync(size, CancellationToken.None);
        }
        catch (IOException)
        {
            return SmtpReplies.LocalError;
        }
    }

    private static async ValueTask<bool> TryWriteAsync(ISmtpMessageWriter writer, ReadOnlyMemory<byte> data)
    {
        try
        {
            await writer.WriteAsync(data, CancellationToken.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void FinishMessage(SmtpReply reply, long size, long startedTimestamp)
    {
        if (reply.IsPositive)
        {
            _info.MessagesAccepted++;
            _server.Metrics.Accepted(_listener.Name, size, _server.Time.GetElapsedTime(startedTimestamp));
        }
        else
        {
            _refusedMessages++;
        }

        Reply(reply, "data");
        DropTransaction();
    }

    private async ValueTask<(Outcome Outcome, string Reason)> StartTlsCommandAsync(string args)
    {
        if (args.Length > 0)
        {
            Reply(SmtpReplies.SyntaxError.WithText("STARTTLS takes no argument"), "tls");
            return (Outcome.Continue, string.Empty);
        }

        if (_info.IsTls)
        {
            Reply(SmtpReplies.TlsAlreadyActive, "tls");
            return (Outcome.Continue, string.Empty);
        }

        if (_listener.TlsMode != SmtpTlsMode.StartTls || _server.Tls is null)
        {
            Reply(SmtpReplies.TlsNotAvailable, "tls");
            return (Outcome.Continue, string.Empty);
        }

        // CVE-2011-0411 class: anything the client sent after STARTTLS in plain text is refused.
        if (_input.TryRead(out var pending))
        {
            var hasData = !pending.Buffer.IsEmpty;
            _input.AdvanceTo(pending.Buffer.Start);
            if (hasData)
            {
                Reply(SmtpReplies.PipelinedAfterStartTls, "tls");
                return (Outcome.Close, "refused");
            }
        }

        Reply(SmtpReplies.ReadyToStartTls, "tls");
        await FlushAsync();
        if (!await StartTlsAsync())
        {
            return (Outcome.Close, "tls_failed");
        }

        // RFC 3207 §4.2: forget everything learnt before TLS.
        _info.HeloName = null;
        _info.IsExtended = false;
        DropTransaction();
        return (Outcome.Continue, string.Empty);
    }

    private async Task<bool> StartTlsAsync()
    {
        var tls = _server.Tls;
        if (tls is null)
        {
            SmtpLog.TlsFailed(_server.Logger, _listener.Name, _info.RemoteEndPoint?.Address.ToString(), _info.Id, "no server certificate configured");
            return false;
        }

        var ssl = new SslStream(new DuplexPipeStream(_connection.Transport.Input, _connection.Transport.Output), leaveInnerStreamOpen: false);
        X509Certificate2Collection? sentChain = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = tls.ServerCertificate,
            ClientCertificateRequired = _listener.ClientCertificate != ClientCertificateMode.None,
            EnabledSslProtocols = tls.Protocols,
            CipherSuitesPolicy = tls.CipherSuitesPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = false,
            // The platform's chain is only used to collect what the client sent; the product's trust
            // engine judges the certificate after the handshake. Never download AIA here (domain.md).
            // An empty custom root store keeps the system's ~140 roots out of the OpenSSL store that
            // SslStream builds for every handshake (that store cost a quarter of the CPU of a
            // one-message session: docs/benchmarks.md "Profile").
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
                VerificationFlags = X509VerificationFlags.AllFlags,
            },
            RemoteCertificateValidationCallback = (_, _, chain, _) =>
            {
                if (chain is not null && chain.ChainPolicy.ExtraStore.Count > 0)
                {
                    sentChain = [];
                    foreach (var c in chain.ChainPolicy.ExtraStore)
                    {
                        sentChain.Add(X509CertificateLoader.LoadCertificate(c.RawData));
                    }
                }

                return true;
            },
        };

        using var handshakeTimeout = new CancellationTokenSource(_limits.TlsHandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(options, handshakeTimeout.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            _server.Metrics.TlsHandshake(_listener.Name, ex is OperationCanceledException ? "timeout" : "failed", "none");
            SmtpLog.TlsFailed(_server.Logger, _listener.Name, _info.RemoteEndPoint?.Address.ToString(), _info.Id, ex.GetBaseException().Message);
            _hooks.OnTlsHandshakeFailed(_info, ex);
            await ssl.DisposeAsync();
            return false;
        }

        _ssl = ssl;
        _info.IsTls = true;
        _info.TlsProtocol = ssl.SslProtocol;
        _info.TlsCipherSuite = ssl.NegotiatedCipherSuite;
        _info.ClientCertificate = ssl.RemoteCertificate switch
        {
            null => null,
            X509Certificate2 c2 => c2,
            var c => X509CertificateLoader.LoadCertificate(c.GetRawCertData()),
        };
        if (sentChain is not null)
        {
            foreach (var c in sentChain)
            {
                if (_info.ClientCertificate is null || c.Thumbprint != _info.ClientCertificate.Thumbprint)
                {
                    _info.ClientCertificateChain.Add(c);
                }
            }
        }

        // Zero-byte reads: an idle session holds no read buffer (SslStream allocates only once a record arrives).
        _input = PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        _output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        _server.Metrics.TlsHandshake(_listener.Name, "ok", _info.TlsProtocolName);

        if (_listener.ClientCertificate == ClientCertificateMode.Require && _info.ClientCertificate is null)
        {
            _pendingRefusal = SmtpReplies.ClientCertificateMissing;
        }
        else
        {
            _pendingRefusal = await _hooks.OnTlsEstablishedAsync(_info, _closing);
        }

        return true;
    }

    private static bool TryParseBdat(string args, out long size, out bool last)
    {
        size = 0;
        last = false;
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || parts[0].Length > 18 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out size))
        {
            return false;
        }

        if (parts.Length == 2)
        {
            if (!parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            last = true;
        }

        return true;
    }

    /// <summary>Reads and drops a BDAT chunk that is refused (RFC 3030: the octets must still be read).</summary>
    private async ValueTask DiscardAsync(long size)
    {
        _inData = true;
        try
        {
            while (size > 0)
            {
                var result = await ReadWithTimeoutAsync(_limits.DataBlockTimeout);
                if (result.IsCanceled)
                {
                    if (_timerKind != 0)
                    {
                        throw new OperationCanceledException("timeout while discarding a BDAT chunk");
                    }

                    continue;
                }

                var take = Math.Min(size, result.Buffer.Length);
                _input.AdvanceTo(result.Buffer.GetPosition(take));
                size -= take;
                if (size > 0 && result.IsCompleted)
                {
                    throw new ConnectionResetException("client closed during a BDAT chunk");
                }
            }
        }
        finally
        {
            _inData = false;
        }
    }

    private async ValueTask<(LineStatus Status, string? Line)> ReadLineAsync()
    {
        var max = _limits.MaxCommandLineLength;
        var discarding = false;
        var mustWait = false;
        while (true)
        {
            ReadResult result;
            if (mustWait || !_input.TryRead(out result))
            {
                await FlushAsync();
                result = await ReadWithTimeoutAsync(_limits.CommandTimeout);
            }

            if (result.IsCanceled)
            {
                return (_timerKind == 2 ? LineStatus.SessionTooLong : _timerKind == 1 ? LineStatus.TimedOut : LineStatus.ShuttingDown, null);
            }

            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (buffer.Length >= max)
                {
                    discarding = true;
                    _input.AdvanceTo(buffer.End);
                }
                else if (result.IsCompleted)
                {
                    _input.AdvanceTo(buffer.End);
                    return (LineStatus.Closed, null);
                }
                else
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                mustWait = true;
                continue;
            }

            var line = buffer.Slice(0, lf.Value);
            var next = buffer.GetPosition(1, lf.Value);
            if (discarding || line.Length + 1 > max)
            {
                _input.AdvanceTo(next);
                return (LineStatus.TooLong, null);
            }

            // Copy before AdvanceTo: the pipe may reuse the memory afterwards.
            Span<byte> bytes = stackalloc byte[(int)line.Length];
            line.CopyTo(bytes);
            _input.AdvanceTo(next);
            if (bytes.Length == 0 || bytes[^1] != (byte)'\r' || bytes[..^1].IndexOfAny((byte)'\r', (byte)0) >= 0)
            {
                return (LineStatus.BareLineEnding, null);
            }

            var text = bytes[..^1];
            if (!Utf8.IsValid(text))
            {
                return (LineStatus.InvalidUtf8, null);
            }

            return (LineStatus.Ok, Utf8Encoding.GetString(text));
        }
    }

    private async ValueTask<ReadResult> ReadWithTimeoutAsync(TimeSpan phaseTimeout)
    {
        var left = _limits.MaxSessionDuration - _server.Time.GetElapsedTime(_startTimestamp);
        if (left <= TimeSpan.Zero)
        {
            _timerKind = 2;
            return new ReadResult(default, isCanceled: true, isCompleted: false);
        }

        _timerKind = 0;
        _pendingTimerKind = left < phaseTimeout ? 2 : 1;
        _timer.CancelAfter(left < phaseTimeout ? left : phaseTimeout);
        try
        {
            return await _input.ReadAsync();
        }
        finally
        {
            if (!_timer.IsCancellationRequested)
            {
                _timer.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnTimer()
    {
        _timerKind = _pendingTimerKind;
        _input.CancelPendingRead();
    }

    private void OnClosingRequested()
    {
        _shutdownRequested = true;
        if (!_inData)
        {
            _input.CancelPendingRead();
        }
    }

    private void Reply(SmtpReply reply, string stage)
    {
        _output.Write(reply.WireBytes);
        _outputPending = true;
        _lastReplyCode = reply.Code;
        if (!reply.IsPositive)
        {
            _errors++;
            var reason = reply.Reason ?? "unspecified";
            _lastRefusalReason = reason;
            _server.Metrics.Refusal(_listener.Name, stage, reason);
            SmtpLog.Refused(_server.Logger, _info.Id, stage, reply.Code, reply.EnhancedCode, reply.Reason);
        }
    }

    private async ValueTask FlushAsync()
    {
        if (_outputPending)
        {
            _outputPending = false;
            await _output.FlushAsync();
        }
    }

    private async Task TryWriteFinalAsync(SmtpReply reply)
    {
        try
        {
            Reply(reply, "command");
            await FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is already gone.
        }
    }

    private void DropTransaction()
    {
        _transaction = null;
        _recipientAttempts = 0;
        _bdatUsed = false;
    }

    private async ValueTask ResetTransactionAsync()
    {
        DropTransaction();
        _bdatFailure = null;
        _bdatDecoder = null;
        _bdatBuffer?.Dispose();
        _bdatBuffer = null;
        if (_bdatWriter is not null)
        {
            var w = _bdatWriter;
            _bdatWriter = null;
            await w.DisposeAsync();
        }
    }

    private async Task CleanupAsync(bool graceful)
    {
        try
        {
            await ResetTransactionAsync();
        }
        catch (IOException)
        {
            // Discarding an unfinished message's temp file failed; spool recovery removes it.
        }

        if (_ssl is not null)
        {
            try
            {
                if (graceful)
                {
                    await FlushAsync();
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _ssl.ShutdownAsync().WaitAsync(cts.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or AuthenticationException)
            {
                // close_notify is a courtesy; the peer may be gone.
            }

            await _input.CompleteAsync();
            await _output.CompleteAsync();
            await _ssl.DisposeAsync();
        }
        else
        {
            try
            {
                await FlushAsync();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The peer is gone.
            }
        }
    }
}
