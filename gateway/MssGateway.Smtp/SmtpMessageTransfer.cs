namespace MssGateway.Smtp;

/// <summary>
/// One message on its way in (DATA, or the chunks of BDAT up to LAST): the product's writer (a spool
/// temp file), the decoder, the buffer, the first failure, and the clock of the minimum data rate.
/// It has exactly one owner, <see cref="SmtpMessageReceiver"/>, and disposing it — on any abort path:
/// RSET, EHLO, STARTTLS, QUIT, timeout, disconnect, error — disposes the writer, which discards what was
/// written (STYLE.md: a transfer is an object you dispose).
/// </summary>
internal sealed class SmtpMessageTransfer : IAsyncDisposable
{
    /// <summary>Decoded data is handed to the writer in blocks of this size.</summary>
    public const int WriteBlockSize = 64 * 1024;

    private ISmtpMessageWriter? _writer;
    private PooledBufferWriter? _buffer;

    public SmtpMessageTransfer(ISmtpMessageWriter? writer, bool dotStuffed, int maxTextLineLength, long startedTimestamp, DateTimeOffset startedAt)
    {
        _writer = writer;
        _buffer = writer is null ? null : new PooledBufferWriter(16 * 1024);
        Decoder = new MessageDataDecoder(dotStuffed, maxTextLineLength);
        StartedTimestamp = startedTimestamp;
        StartedAt = startedAt;
        Failure = writer is null ? SmtpReplies.LocalError : null;
    }

    public MessageDataDecoder Decoder { get; }

    /// <summary>For the data-duration metric.</summary>
    public long StartedTimestamp { get; }

    /// <summary>Start of the minimum-data-rate clock.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Octets received from the client (before decoding), for the minimum data rate.</summary>
    public long OctetsReceived { get; private set; }

    /// <summary>The first failure (too big, storage error); later data is read and dropped, and this is the final answer.</summary>
    public SmtpReply? Failure { get; private set; }

    /// <summary>Where decoded octets go, or null once the transfer failed (they are then only counted and checked).</summary>
    public PooledBufferWriter? Sink => Failure is null ? _buffer : null;

    public void Received(long octets) => OctetsReceived += octets;

    public void Fail(SmtpReply reply)
    {
        Failure ??= reply;
        _buffer?.Clear();
    }

    /// <summary>Hands the buffered block to the writer when it is full (or <paramref name="force"/>); a write failure fails the transfer.</summary>
    public async ValueTask WriteBufferedAsync(bool force)
    {
        if (Failure is not null || _buffer is null || _writer is null || _buffer.WrittenCount == 0 || (!force && _buffer.WrittenCount < WriteBlockSize))
        {
            return;
        }

        try
        {
            await _writer.WriteAsync(_buffer.WrittenMemory, CancellationToken.None);
        }
        catch (IOException)
        {
            Fail(SmtpReplies.LocalError);
        }

        _buffer.Clear();
    }

    /// <summary>The message ended: the final reply (the failure, or the writer's decision after the last block).</summary>
    public async ValueTask<SmtpAnswer> CompleteAsync()
    {
        var reply = Failure
            ?? (Decoder.BareLineEnding ? SmtpReplies.Smuggling
            : Decoder.LineTooLong ? SmtpReplies.TextLineTooLong
            : null);
        if (reply is not null)
        {
            return SmtpAnswer.Engine(reply);
        }

        await WriteBufferedAsync(force: true);
        if (Failure is not null)
        {
            return SmtpAnswer.Engine(Failure);
        }

        try
        {
            return SmtpAnswer.Product(await _writer!.CompleteAsync(Decoder.DecodedLength, CancellationToken.None));
        }
        catch (IOException)
        {
            return SmtpAnswer.Engine(SmtpReplies.LocalError);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _buffer?.Dispose();
        _buffer = null;
        var writer = _writer;
        _writer = null;
        if (writer is not null)
        {
            try
            {
                await writer.DisposeAsync();
            }
            catch (IOException)
            {
                // Discarding the temp file failed; the spool's orphan sweeper removes it.
            }
        }
    }
}
