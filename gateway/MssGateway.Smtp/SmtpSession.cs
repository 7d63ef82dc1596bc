using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;

namespace MssGateway.Smtp;

/// <summary>
/// The protocol layer of one SMTP connection (the innermost of the connection pipeline, after PROXY
/// protocol, limits and implicit TLS: <see cref="SmtpServer"/>): the RFC 5321 command loop with the
/// extensions of DESIGN.md §2. It composes one type per concern — <see cref="SmtpLineReader"/> (input
/// and deadlines), <see cref="SmtpReplyWriter"/> (bounded output, RFC 2920), <see cref="SmtpTlsUpgrade"/>
/// (STARTTLS, RFC 3207), <see cref="SmtpEnvelopeCommands"/> (HELO/EHLO, MAIL, RCPT) and
/// <see cref="SmtpMessageReceiver"/> (DATA, BDAT) — and keeps the session's budgets: errors, messages,
/// commands and time before TLS on a TLS-required listener, the session duration.
/// </summary>
internal sealed class SmtpSession
{
    private readonly SmtpServer _server;
    private readonly SmtpListenerOptions _listener;
    private readonly ConnectionContext _connection;
    private readonly SmtpServerLimits _limits;
    private readonly SmtpSessionLifetime _lifetime;
    private readonly SmtpSessionInfo _info;
    private readonly CancellationToken _closing;
    private readonly SmtpLineReader _reader;
    private readonly SmtpReplyWriter _writer;
    private readonly SmtpEnvelopeCommands _envelope;
    private readonly SmtpMessageReceiver _receiver;
    private readonly Func<ValueTask<bool>> _flush;

    private SmtpTlsConnection? _tls;
    private SmtpReply? _pendingRefusal;
    private int _errors;
    private int _commandsBeforeTls;
    private bool _outputStalled;

    public SmtpSession(SmtpServer server, SmtpListenerOptions listener, ConnectionContext connection, SmtpSessionLifetime lifetime, CancellationToken closing)
    {
        _server = server;
        _listener = listener;
        _connection = connection;
        _limits = server.Options.Limits;
        _lifetime = lifetime;
        _info = lifetime.Info;
        _closing = closing;
        _reader = new SmtpLineReader(connection.Transport.Input, server.Time, _limits.MaxCommandLineLength);
        _writer = new SmtpReplyWriter(connection.Transport.Output, server.Time, _limits);
        var maxMessageSize = listener.MaxMessageSize ?? _limits.MaxMessageSize;
        _envelope = new SmtpEnvelopeCommands(server, listener, _info, maxMessageSize, closing);
        _receiver = new SmtpMessageReceiver(this, _reader, _envelope, server, _info, maxMessageSize, closing);
        _flush = FlushAsync;
    }

    /// <summary>Mail commands must wait for TLS: a TLS-required listener before STARTTLS.</summary>
    private bool TlsPending => _listener.RequireTls && !_info.IsTls;

    public async Task RunAsync()
    {
        using var closingRegistration = _closing.Register(static s => ((SmtpSession)s!)._reader.RequestShutdown(), this);
        var endReason = SmtpEndReason.ClientClosed;
        try
        {
            endReason = await RunProtocolAsync();
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
        {
            endReason = SmtpEndReason.ClientClosed;
        }
        catch (OperationCanceledException)
        {
            endReason = SmtpEndReason.ShuttingDown;
        }
#pragma warning disable CA1031 // The session boundary: a bug must not take the listener down; it is logged and answered 451 4.3.0 local_error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            endReason = SmtpEndReason.Error;
            SmtpLog.SessionFailed(_server.Logger, ex, _listener.Name, _info.Id);
            await TryWriteFinalAsync(SmtpReplies.LocalError);
        }
        finally
        {
            try
            {
                await CleanupAsync(!_outputStalled && endReason is SmtpEndReason.Quit or SmtpEndReason.Refused or SmtpEndReason.TooManyErrors or SmtpEndReason.Timeout or SmtpEndReason.ShuttingDown or SmtpEndReason.TooManyMessages);
            }
            finally
            {
                _info.RunAfterReplies(_server.Logger); // whatever no flush ran yet (a cleanup that failed): never dropped
            }

            _lifetime.EndReason = endReason;
            _lifetime.MessagesRefused = _receiver.MessagesRefused;
            _lifetime.TransfersAbandoned = _receiver.TransfersAbandoned;
        }
    }

    private async Task<SmtpEndReason> RunProtocolAsync()
    {
        var implicitTls = _connection.Features.Get<SmtpTlsConnection>();
        if (implicitTls is not null)
        {
            await TlsEstablishedAsync(implicitTls);
        }

        var refusal = await _server.Hooks.OnConnectedAsync(_info, _closing);
        if (refusal is not null)
        {
            Reply(SmtpAnswer.Product(refusal.Code is 421 or 554 ? refusal : new SmtpReply(554, refusal.EnhancedCode, refusal.Reason, refusal.Text)), SmtpStage.Connect);
            await FlushAsync();
            _lifetime.RefusedByProduct = true; // the product's own state (draining…), not the client's doing
            return SmtpEndReason.Refused;
        }

        if (_limits.RefusePregreet && _reader.HasBufferedInput())
        {
            // Octets before the greeting: a client that does not wait for its turn (a flood, a bot), cut before
            // any of its commands is parsed or answered (SmtpServerLimits.RefusePregreet).
            Reply(SmtpReplies.Pregreet, SmtpStage.Connect);
            await FlushAsync();
            return SmtpEndReason.Refused;
        }

        Reply(SmtpReplies.Greeting(_server.Options.ServerName, _server.Options.Banner), SmtpStage.Connect);
        while (true)
        {
            var (status, line, expired) = await _reader.ReadLineAsync(CommandDeadline(), _flush);
            switch (status)
            {
                case SmtpReadStatus.Closed:
                    return SmtpEndReason.ClientClosed;
                case SmtpReadStatus.OutputStalled:
                    _outputStalled = true;
                    return SmtpEndReason.Timeout;
                case SmtpReadStatus.Expired:
                    Reply(expired switch { SmtpTimeoutKind.Session => SmtpReplies.SessionTooLong, SmtpTimeoutKind.TlsStart => SmtpReplies.TlsNotStarted, _ => SmtpReplies.Timeout }, SmtpStage.Command);
                    await FlushAsync();
                    return SmtpEndReason.Timeout;
                case SmtpReadStatus.ShuttingDown:
                    Reply(SmtpReplies.ShuttingDown, SmtpStage.Command);
                    await FlushAsync();
                    return SmtpEndReason.ShuttingDown;
                case SmtpReadStatus.TooLong:
                    Reply(SmtpReplies.CommandLineTooLong, SmtpStage.Command);
                    break;
                case SmtpReadStatus.BareLineEnding:
                    Reply(SmtpReplies.BareLineEndingInCommand, SmtpStage.Command);
                    break;
                case SmtpReadStatus.InvalidUtf8:
                    Reply(SmtpReplies.SyntaxError.WithText("Command is not valid UTF-8"), SmtpStage.Command);
                    break;
                default:
                    var step = await ExecuteAsync(line!);
                    if (step.Close)
                    {
                        await FlushAsync();
                        return step.EndReason;
                    }

                    break;
            }

            if (_errors >= _limits.MaxErrors)
            {
                Reply(SmtpReplies.TooManyErrors, SmtpStage.Command);
                await FlushAsync();
                return SmtpEndReason.TooManyErrors;
            }

            if (_info.MessagesAccepted >= _limits.MaxMessagesPerSession)
            {
                Reply(SmtpReplies.TooManyMessages, SmtpStage.Command);
                await FlushAsync();
                return SmtpEndReason.TooManyMessages;
            }

            if (_reader.ShutdownRequested && _envelope.Transaction is null)
            {
                Reply(SmtpReplies.ShuttingDown, SmtpStage.Command);
                await FlushAsync();
                return SmtpEndReason.ShuttingDown;
            }

            if (_writer.IsFull && !await FlushAsync())
            {
                return SmtpEndReason.Timeout; // a client that sends commands and never reads its replies
            }
        }
    }

    private async ValueTask<SmtpStep> ExecuteAsync(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var args = space < 0 ? string.Empty : line[(space + 1)..];

        if (_pendingRefusal is not null && verb != "QUIT")
        {
            // The client certificate was refused after the handshake: answer and end the session.
            Reply(SmtpAnswer.Product(_pendingRefusal), SmtpStage.Tls);
            return SmtpStep.End(SmtpEndReason.Refused);
        }

        if (TlsPending)
        {
            // A client that means to use TLS needs two commands (EHLO, STARTTLS); one that does not is cut.
            if (++_commandsBeforeTls > _limits.MaxCommandsBeforeTls && verb != "QUIT")
            {
                Reply(SmtpReplies.TooManyCommandsBeforeTls, SmtpStage.Command);
                return SmtpStep.End(SmtpEndReason.Refused);
            }

            if (verb is not ("EHLO" or "HELO" or "STARTTLS" or "QUIT" or "NOOP" or "RSET"))
            {
                var discarded = verb == "BDAT" ? await _receiver.DiscardRefusedChunkAsync(args) : SmtpStep.Continue;
                Reply(SmtpReplies.TlsRequired, SmtpStage.Command);
                return discarded;
            }
        }

        switch (verb)
        {
            case "EHLO":
            case "HELO":
                var hello = _envelope.Hello(verb == "EHLO", args.Trim());
                if (hello.IsPositive)
                {
                    await _receiver.AbortAsync(); // RFC 5321 §4.1.4: EHLO resets the transaction, BDAT data included
                }

                Reply(hello, SmtpStage.Helo);
                return SmtpStep.Continue;
            case "MAIL":
                Reply(await _envelope.MailAsync(args), SmtpStage.Mail);
                return SmtpStep.Continue;
            case "RCPT":
                Reply(await _envelope.RcptAsync(args), SmtpStage.Rcpt);
                return SmtpStep.Continue;
            case "DATA":
                return await _receiver.DataAsync(args);
            case "BDAT":
                return await _receiver.BdatAsync(args);
            case "RSET":
                await _receiver.AbortAsync();
                _envelope.Reset();
                Reply(SmtpReplies.ResetOk, SmtpStage.Command);
                return SmtpStep.Continue;
            case "NOOP":
                Reply(SmtpReplies.NoopOk, SmtpStage.Command);
                return SmtpStep.Continue;
            case "QUIT":
                Reply(SmtpReplies.Bye, SmtpStage.Command);
                return SmtpStep.End(SmtpEndReason.Quit);
            case "VRFY":
                Reply(SmtpReplies.CannotVrfy, SmtpStage.Command);
                return SmtpStep.Continue;
            case "HELP":
                Reply(SmtpReplies.Help, SmtpStage.Command);
                return SmtpStep.Continue;
            case "STARTTLS":
                return await StartTlsAsync(args);
            case "EXPN":
            case "TURN":
            case "ETRN":
            case "ATRN":
            case "AUTH":
            case "SEND":
            case "SOML":
            case "SAML":
                Reply(SmtpReplies.CommandNotImplemented, SmtpStage.Command);
                return SmtpStep.Continue;
            default:
                Reply(SmtpReplies.CommandUnrecognized, SmtpStage.Command);
                return SmtpStep.Continue;
        }
    }

    private async ValueTask<SmtpStep> StartTlsAsync(string args)
    {
        if (args.Length > 0)
        {
            Reply(SmtpReplies.SyntaxError.WithText("STARTTLS takes no argument"), SmtpStage.Tls);
            return SmtpStep.Continue;
        }

        if (_info.IsTls)
        {
            Reply(SmtpReplies.TlsAlreadyActive, SmtpStage.Tls);
            return SmtpStep.Continue;
        }

        if (_listener.TlsMode != SmtpTlsMode.StartTls || _server.Tls is null)
        {
            Reply(SmtpReplies.TlsNotAvailable, SmtpStage.Tls);
            return SmtpStep.Continue;
        }

        // CVE-2011-0411 class: anything the client sent after STARTTLS in plain text is refused.
        if (_reader.HasBufferedInput())
        {
            Reply(SmtpReplies.PipelinedAfterStartTls, SmtpStage.Tls);
            return SmtpStep.End(SmtpEndReason.Refused);
        }

        Reply(SmtpReplies.ReadyToStartTls, SmtpStage.Tls);
        if (!await FlushAsync())
        {
            return SmtpStep.End(SmtpEndReason.Timeout);
        }

        // RFC 3207 §4.2: forget everything learnt before TLS, the data of an open BDAT transfer included.
        await _receiver.AbortAsync();
        _envelope.ForgetBeforeTls();
        var tls = await SmtpTlsUpgrade.AuthenticateAsync(_server, _listener, _info, _connection.Transport);
        if (tls is null)
        {
            return SmtpStep.End(SmtpEndReason.TlsFailed);
        }

        _reader.Input = tls.Input;
        _writer.Output = tls.Output;
        await TlsEstablishedAsync(tls);
        return SmtpStep.Continue;
    }

    private async ValueTask TlsEstablishedAsync(SmtpTlsConnection tls)
    {
        _tls = tls;
        tls.Describe(_info);
        _pendingRefusal = _listener.ClientCertificate == ClientCertificateMode.Require && _info.ClientCertificate is null
            ? SmtpReplies.ClientCertificateMissing
            : await _server.Hooks.OnTlsEstablishedAsync(_info, _closing);
    }

    /// <summary>The earliest of the limits that apply while waiting for a command.</summary>
    private SmtpDeadline CommandDeadline()
    {
        var deadline = new SmtpDeadline(_server.Time.GetUtcNow() + _limits.CommandTimeout, SmtpTimeoutKind.Command).Min(SessionDeadline());
        return TlsPending ? deadline.Min(new SmtpDeadline(_info.StartedAt + _limits.TlsStartTimeout, SmtpTimeoutKind.TlsStart)) : deadline;
    }

    /// <summary>The earliest of the limits that apply while waiting for message data of <paramref name="transfer"/>.</summary>
    internal SmtpDeadline DataDeadline(SmtpMessageTransfer transfer) => DiscardDeadline(transfer.StartedAt, transfer.OctetsReceived);

    /// <summary>The same limits for octets read without a transfer (a refused BDAT chunk).</summary>
    internal SmtpDeadline DiscardDeadline(DateTimeOffset started, long received)
    {
        var deadline = new SmtpDeadline(_server.Time.GetUtcNow() + _limits.DataBlockTimeout, SmtpTimeoutKind.DataBlock).Min(SessionDeadline());
        if (_limits.MinDataRate > 0)
        {
            // The octets received so far buy this much time at the minimum rate (never less than the grace period).
            var earned = TimeSpan.FromSeconds((double)received / _limits.MinDataRate);
            deadline = deadline.Min(new SmtpDeadline(started + (earned > _limits.MinDataRateGracePeriod ? earned : _limits.MinDataRateGracePeriod), SmtpTimeoutKind.DataRate));
        }

        return TlsPending ? deadline.Min(new SmtpDeadline(_info.StartedAt + _limits.TlsStartTimeout, SmtpTimeoutKind.TlsStart)) : deadline;
    }

    /// <summary>A data read ran out of time: the reply of the limit that expired, then the session ends.</summary>
    internal SmtpStep DataTimedOut(SmtpTimeoutKind kind)
    {
        Reply(kind switch
        {
            SmtpTimeoutKind.Session => SmtpReplies.SessionTooLong,
            SmtpTimeoutKind.DataRate => SmtpReplies.DataRateTooLow,
            SmtpTimeoutKind.TlsStart => SmtpReplies.TlsNotStarted,
            _ => SmtpReplies.Timeout,
        }, SmtpStage.Data);
        return SmtpStep.End(SmtpEndReason.Timeout);
    }

    private SmtpDeadline SessionDeadline() => new(_info.StartedAt + _limits.MaxSessionDuration, SmtpTimeoutKind.Session);

    /// <summary>Buffers one of the engine's replies (must come from <see cref="SmtpReplies"/>).</summary>
    internal void Reply(SmtpReply reply, SmtpStage stage) => Reply(SmtpAnswer.Engine(reply), stage);

    internal void Reply(SmtpAnswer answer, SmtpStage stage)
    {
        var reply = answer.Reply;
        if (answer.FromProduct)
        {
            _writer.WriteProductReply(reply);
        }
        else
        {
            _writer.Write(reply);
        }

        _lifetime.LastReplyCode = reply.Code;
        if (!reply.IsPositive)
        {
            _errors++;
            var reason = reply.Reason ?? "unspecified";
            _lifetime.LastRefusalReason = reason;
            _server.Metrics.Refusal(_listener.Name, stage.ToLabel(), reason);
            SmtpLog.Refused(_server.Logger, _info.Id, stage.ToLabel(), reply.Code, reply.EnhancedCode, reply.Reason);
        }
    }

    /// <summary>Sends the buffered replies; false (and the session is cut) when the client does not read them.</summary>
    internal async ValueTask<bool> FlushAsync()
    {
        try
        {
            if (_outputStalled)
            {
                return false;
            }

            if (!await _writer.FlushAsync())
            {
                _outputStalled = true;
                return false;
            }

            return true;
        }
        finally
        {
            // The replies are on their way (or the client is gone): what the product held for after them runs now.
            _info.RunAfterReplies(_server.Logger);
        }
    }

    private async Task TryWriteFinalAsync(SmtpReply reply)
    {
        try
        {
            Reply(reply, SmtpStage.Command);
            await FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is already gone.
        }
    }

    private async Task CleanupAsync(bool graceful)
    {
        await _receiver.AbortAsync();
        if (_outputStalled)
        {
            // The client reads nothing: drop the connection rather than wait on it again.
            _connection.Abort(new ConnectionAbortedException("The client did not read its replies."));
        }
        else
        {
            try
            {
                await FlushAsync();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or AuthenticationException)
            {
                // The peer is gone.
            }
        }

        if (_tls is not null)
        {
            await _tls.CloseAsync(graceful, _server.Time);
        }

        _reader.Dispose();
        _writer.Dispose();
    }
}
