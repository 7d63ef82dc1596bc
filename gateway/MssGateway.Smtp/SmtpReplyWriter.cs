using System.Buffers;
using System.IO.Pipelines;

namespace MssGateway.Smtp;

/// <summary>
/// The session's output. Replies are buffered and sent at the end of each pipelined group
/// (RFC 2920 §3.1), but never more than <see cref="SmtpServerLimits.MaxUnflushedReplyBytes"/> wait:
/// past that the writer flushes and waits for the client to read, so a client that streams commands
/// without reading its replies stops being read (TCP backpressure) instead of growing the server's
/// memory. A flush that waits longer than <see cref="SmtpServerLimits.ReplyFlushTimeout"/> fails the
/// session. The engine's own replies must come from <see cref="SmtpReplies"/>.
/// </summary>
internal sealed class SmtpReplyWriter : IDisposable
{
    private readonly TimeProvider _time;
    private readonly int _maxUnflushed;
    private readonly TimeSpan _flushTimeout;
    private PipeWriter _output;
    private int _unflushed;
    private CancellationTokenSource? _timeout;

    public SmtpReplyWriter(PipeWriter output, TimeProvider time, SmtpServerLimits limits)
    {
        _output = output;
        _time = time;
        _maxUnflushed = limits.MaxUnflushedReplyBytes;
        _flushTimeout = limits.ReplyFlushTimeout;
    }

    /// <summary>The pipe written to (replaced by the TLS pipe after STARTTLS).</summary>
    public PipeWriter Output
    {
        get => _output;
        set => _output = value;
    }

    /// <summary>True when the buffered replies reached the bound and must be flushed before reading on.</summary>
    public bool IsFull => _unflushed >= _maxUnflushed;

    /// <summary>Buffers one of the engine's replies; a reply not made from the catalogue is a bug, not sent.</summary>
    public void Write(SmtpReply reply)
    {
        if (!SmtpReplies.IsDeclared(reply))
        {
            throw new InvalidOperationException($"The engine tried to send a reply that is not in SmtpReplies: {reply.Code} {reply.EnhancedCode} {reply.Reason}.");
        }

        Append(reply);
    }

    /// <summary>Buffers a reply the product's hooks decided (their refusals are theirs to declare).</summary>
    public void WriteProductReply(SmtpReply reply) => Append(reply);

    /// <summary>Sends what is buffered; false when the client did not read it within the flush timeout.</summary>
    public async ValueTask<bool> FlushAsync()
    {
        if (_unflushed == 0)
        {
            return true;
        }

        _unflushed = 0;
        // One timer source per session, re-armed per flush (a flush per pipelined group is the hot path).
        if (_timeout is null || !_timeout.TryReset())
        {
            _timeout?.Dispose();
            _timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        }

        var timeout = _timeout;
        timeout.CancelAfter(_flushTimeout);
        try
        {
            var result = await _output.FlushAsync(timeout.Token);
            return !result.IsCanceled;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timeout?.Dispose();

    private void Append(SmtpReply reply)
    {
        var bytes = reply.WireBytes;
        _output.Write(bytes);
        _unflushed += bytes.Length;
    }
}
