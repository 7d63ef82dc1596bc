using System.Globalization;

namespace MssGateway.Smtp;

/// <summary>
/// DATA (RFC 5321 §4.1.1.4, dot-stuffed, ended by CRLF.CRLF only) and BDAT (RFC 3030, counted chunks)
/// into the product's message writer, streaming: memory per message stays bounded whatever its size.
/// Owns at most one <see cref="SmtpMessageTransfer"/>; <see cref="AbortAsync"/> releases it, and the
/// session calls it on every path that ends a transaction other than its last chunk.
/// </summary>
internal sealed class SmtpMessageReceiver : IAsyncDisposable
{
    private readonly SmtpSession _session;
    private readonly SmtpLineReader _reader;
    private readonly SmtpEnvelopeCommands _envelope;
    private readonly SmtpServer _server;
    private readonly SmtpSessionInfo _info;
    private readonly long _maxMessageSize;
    private readonly CancellationToken _closing;
    private SmtpMessageTransfer? _transfer;

    public SmtpMessageReceiver(SmtpSession session, SmtpLineReader reader, SmtpEnvelopeCommands envelope, SmtpServer server, SmtpSessionInfo info, long maxMessageSize, CancellationToken closing)
    {
        _session = session;
        _reader = reader;
        _envelope = envelope;
        _server = server;
        _info = info;
        _maxMessageSize = maxMessageSize;
        _closing = closing;
    }

    /// <summary>True while a BDAT transfer is open between chunks (its temp file exists).</summary>
    public bool HasOpenTransfer => _transfer is not null;

    /// <summary>Messages refused at their end in this session (for the session summary).</summary>
    public int MessagesRefused { get; private set; }

    /// <summary>
    /// Transfers the client abandoned after sending data (RSET, EHLO, STARTTLS, QUIT, a disconnect or a time
    /// limit inside DATA/BDAT): each is an offence (<see cref="SmtpServerLimits.MaxOffencesPerClient"/>).
    /// </summary>
    public int TransfersAbandoned { get; private set; }

    public async ValueTask<SmtpStep> DataAsync(string args)
    {
        if (args.Length > 0)
        {
            _session.Reply(SmtpReplies.SyntaxError.WithText("DATA takes no argument"), SmtpStage.Data);
            return SmtpStep.Continue;
        }

        var notReady = _envelope.CheckReadyForData() ?? (_envelope.ChunkingUsed ? SmtpReplies.BadSequenceDataAfterBdat : null);
        if (notReady is not null)
        {
            _session.Reply(notReady, SmtpStage.Data);
            return SmtpStep.Continue;
        }

        var transfer = await OpenAsync(dotStuffed: true);
        if (transfer.Failure is not null)
        {
            // The product could not open storage: nothing to receive into, refuse before 354.
            await AbortAsync();
            _session.Reply(SmtpReplies.LocalError, SmtpStage.Data);
            return SmtpStep.Continue;
        }

        _session.Reply(SmtpReplies.StartData, SmtpStage.Data);
        if (!await _session.FlushAsync())
        {
            return SmtpStep.End(SmtpEndReason.Timeout);
        }

        while (true)
        {
            var deadline = _session.DataDeadline(transfer);
            var (status, result) = await _reader.ReadDataAsync(deadline);
            if (status == SmtpReadStatus.Expired)
            {
                return _session.DataTimedOut(deadline.Kind);
            }

            var input = result.Buffer;
            var consumed = transfer.Decoder.Decode(input, transfer.Sink, out var ended);
            transfer.Received(consumed);
            _reader.Input.AdvanceTo(input.GetPosition(consumed));
            if (transfer.Failure is null && transfer.Decoder.DecodedLength > _maxMessageSize)
            {
                transfer.Fail(SmtpReplies.MessageTooBig); // keep reading to the end marker, store nothing more
            }

            await transfer.WriteBufferedAsync(force: false);
            if (ended)
            {
                break;
            }

            if (result.IsCompleted)
            {
                return SmtpStep.End(SmtpEndReason.ClientClosed);
            }
        }

        await FinishAsync(transfer);
        return SmtpStep.Continue;
    }

    public async ValueTask<SmtpStep> BdatAsync(string args)
    {
        if (!TryParseBdat(args, out var size, out var last))
        {
            _session.Reply(SmtpReplies.BdatSyntax, SmtpStage.Data);
            return SmtpStep.End(SmtpEndReason.Refused);
        }

        if (size > _server.Options.Limits.MaxChunkSize)
        {
            _session.Reply(SmtpReplies.MessageTooBig.WithText("BDAT chunk too large; closing connection"), SmtpStage.Data);
            return SmtpStep.End(SmtpEndReason.Refused);
        }

        var notReady = _envelope.CheckReadyForData();
        if (notReady is not null)
        {
            var discarded = await DiscardAsync(size);
            if (discarded.Close)
            {
                return discarded;
            }

            _session.Reply(notReady, SmtpStage.Data);
            return SmtpStep.Continue;
        }

        if (_transfer is null)
        {
            _envelope.ChunkingUsed = true;
            await OpenAsync(dotStuffed: false);
        }

        var transfer = _transfer!;
        var remaining = size;
        while (remaining > 0)
        {
            var deadline = _session.DataDeadline(transfer);
            var (status, result) = await _reader.ReadDataAsync(deadline);
            if (status == SmtpReadStatus.Expired)
            {
                return _session.DataTimedOut(deadline.Kind);
            }

            var input = result.Buffer;
            var chunk = input.Slice(0, Math.Min(remaining, input.Length));
            transfer.Decoder.Decode(chunk, transfer.Sink, out _);
            transfer.Received(chunk.Length);
            remaining -= chunk.Length;
            _reader.Input.AdvanceTo(chunk.End);
            if (transfer.Failure is null && transfer.Decoder.DecodedLength > _maxMessageSize)
            {
                transfer.Fail(SmtpReplies.MessageTooBig);
            }

            await transfer.WriteBufferedAsync(force: false);
            if (remaining > 0 && result.IsCompleted)
            {
                return SmtpStep.End(SmtpEndReason.ClientClosed);
            }
        }

        if (!last)
        {
            // RFC 3030 §2: an error on one chunk is repeated for the following ones until LAST or RSET.
            _session.Reply(transfer.Failure ?? SmtpReplies.ChunkReceived(size), SmtpStage.Data);
            return SmtpStep.Continue;
        }

        transfer.Decoder.Finish(transfer.Sink);
        await FinishAsync(transfer);
        return SmtpStep.Continue;
    }

    /// <summary>A command before TLS on a TLS-required listener: a BDAT chunk's octets are still read (never taken as commands).</summary>
    public async ValueTask<SmtpStep> DiscardRefusedChunkAsync(string args)
    {
        if (TryParseBdat(args, out var size, out _) && size <= _server.Options.Limits.MaxChunkSize)
        {
            return await DiscardAsync(size);
        }

        return SmtpStep.Continue;
    }

    /// <summary>Ends the open transfer without a message: its writer is disposed and its temp file deleted.</summary>
    public async ValueTask AbortAsync()
    {
        var transfer = _transfer;
        _transfer = null;
        if (transfer is not null)
        {
            if (transfer.OctetsReceived > 0)
            {
                TransfersAbandoned++;
            }

            await transfer.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => AbortAsync();

    private async ValueTask<SmtpMessageTransfer> OpenAsync(bool dotStuffed)
    {
        ISmtpMessageWriter? writer;
        try
        {
            writer = await _server.Hooks.OpenMessageAsync(_info, _envelope.Transaction!, _closing);
        }
        catch (IOException)
        {
            writer = null;
        }

        _transfer = new SmtpMessageTransfer(writer, dotStuffed, _server.Options.Limits.MaxTextLineLength, _server.Time.GetTimestamp(), _server.Time.GetUtcNow());
        return _transfer;
    }

    private async ValueTask FinishAsync(SmtpMessageTransfer transfer)
    {
        var answer = await transfer.CompleteAsync();
        if (answer.Reply.IsPositive)
        {
            _info.MessagesAccepted++;
            _server.Metrics.Accepted(_info.Listener.Name, transfer.Decoder.DecodedLength, _server.Time.GetElapsedTime(transfer.StartedTimestamp));
        }
        else
        {
            MessagesRefused++;
        }

        _session.Reply(answer, SmtpStage.Data);
        _transfer = null; // committed or not, the transfer is over (not abandoned): release it
        await transfer.DisposeAsync();
        _envelope.Reset();
    }

    /// <summary>Reads and drops a BDAT chunk that is refused (RFC 3030: the octets must still be read).</summary>
    private async ValueTask<SmtpStep> DiscardAsync(long size)
    {
        var started = _server.Time.GetUtcNow();
        long received = 0;
        while (size > 0)
        {
            var deadline = _session.DiscardDeadline(started, received);
            var (status, result) = await _reader.ReadDataAsync(deadline);
            if (status == SmtpReadStatus.Expired)
            {
                return _session.DataTimedOut(deadline.Kind);
            }

            var take = Math.Min(size, result.Buffer.Length);
            _reader.Input.AdvanceTo(result.Buffer.GetPosition(take));
            size -= take;
            received += take;
            if (size > 0 && result.IsCompleted)
            {
                return SmtpStep.End(SmtpEndReason.ClientClosed);
            }
        }

        return SmtpStep.Continue;
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
}

/// <summary>What the session does after a command: go on, or end with the given end reason.</summary>
internal readonly record struct SmtpStep(bool Close, SmtpEndReason EndReason)
{
    public static SmtpStep Continue { get; } = new(false, SmtpEndReason.ClientClosed);

    public static SmtpStep End(SmtpEndReason endReason) => new(true, endReason);
}
