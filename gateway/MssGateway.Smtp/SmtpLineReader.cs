using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Unicode;

namespace MssGateway.Smtp;

/// <summary>What a read of the client's input gave.</summary>
internal enum SmtpReadStatus
{
    /// <summary>Input (a command line, or data octets).</summary>
    Ok,

    /// <summary>The client closed its side.</summary>
    Closed,

    /// <summary>The deadline passed (its <see cref="SmtpDeadline.Kind"/> says which limit).</summary>
    Expired,

    /// <summary>The server is shutting down and the read was interrupted (never during message data).</summary>
    ShuttingDown,

    /// <summary>A command line over the limit (RFC 5321 §4.5.3.1.4); it was skipped to its end.</summary>
    TooLong,

    /// <summary>A command line not ended by CRLF, or with a CR or NUL inside.</summary>
    BareLineEnding,

    /// <summary>A command line that is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The replies waiting before the read could not be sent: the client does not read them.</summary>
    OutputStalled,
}

/// <summary>
/// The session's input: command lines (RFC 5321 §2.3.8: CRLF only, length-limited) and raw reads for
/// message data, each against a deadline kept through <see cref="TimeProvider"/> (no private timer,
/// so tests drive the clock). The pipe is swapped when TLS starts.
/// </summary>
internal sealed class SmtpLineReader : IDisposable
{
    private static readonly UTF8Encoding Utf8Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly TimeProvider _time;
    private readonly int _maxLineLength;
    private readonly ITimer _timer;
    private volatile PipeReader _input;
    private volatile bool _inData;
    private volatile bool _shutdownRequested;

    public SmtpLineReader(PipeReader input, TimeProvider time, int maxLineLength)
    {
        _input = input;
        _time = time;
        _maxLineLength = maxLineLength;
        _timer = time.CreateTimer(static s => ((SmtpLineReader)s!)._input.CancelPendingRead(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The pipe being read (replaced by the TLS pipe after STARTTLS).</summary>
    public PipeReader Input
    {
        get => _input;
        set => _input = value;
    }

    /// <summary>Set once the server has been asked to shut down.</summary>
    public bool ShutdownRequested => _shutdownRequested;

    /// <summary>Asks the session to end: a read waiting for a command is interrupted; message data is not.</summary>
    public void RequestShutdown()
    {
        _shutdownRequested = true;
        if (!_inData)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>True when input the client sent is already waiting (more pipelined commands, or injected text after STARTTLS).</summary>
    public bool HasBufferedInput()
    {
        if (!_input.TryRead(out var pending))
        {
            return false;
        }

        var has = !pending.Buffer.IsEmpty;
        _input.AdvanceTo(pending.Buffer.Start);
        return has;
    }

    /// <summary>
    /// Reads one command line. When no complete line is buffered, <paramref name="beforeWait"/> runs
    /// first (the reply writer flushes there: the end of a pipelined group, RFC 2920 §3.1);
    /// false from it ends the read with <see cref="SmtpReadStatus.OutputStalled"/>.
    /// </summary>
    public async ValueTask<(SmtpReadStatus Status, string? Line, SmtpTimeoutKind Expired)> ReadLineAsync(SmtpDeadline deadline, Func<ValueTask<bool>> beforeWait)
    {
        var discarding = false;
        var mustWait = false;
        while (true)
        {
            ReadResult result;
            if (mustWait || !_input.TryRead(out result))
            {
                if (!await beforeWait())
                {
                    return (SmtpReadStatus.OutputStalled, null, deadline.Kind);
                }

                var (status, read) = await ReadAsync(deadline);
                if (status != SmtpReadStatus.Ok)
                {
                    return (status, null, deadline.Kind);
                }

                result = read;
            }

            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (buffer.Length >= _maxLineLength)
                {
                    discarding = true;
                    _input.AdvanceTo(buffer.End);
                }
                else if (result.IsCompleted)
                {
                    _input.AdvanceTo(buffer.End);
                    return (SmtpReadStatus.Closed, null, deadline.Kind);
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
            if (discarding || line.Length + 1 > _maxLineLength)
            {
                _input.AdvanceTo(next);
                return (SmtpReadStatus.TooLong, null, deadline.Kind);
            }

            // Copy before AdvanceTo: the pipe may reuse the memory afterwards.
            Span<byte> bytes = stackalloc byte[(int)line.Length];
            line.CopyTo(bytes);
            _input.AdvanceTo(next);
            if (bytes.Length == 0 || bytes[^1] != (byte)'\r' || bytes[..^1].IndexOfAny((byte)'\r', (byte)0) >= 0)
            {
                return (SmtpReadStatus.BareLineEnding, null, deadline.Kind);
            }

            var text = bytes[..^1];
            if (!Utf8.IsValid(text))
            {
                return (SmtpReadStatus.InvalidUtf8, null, deadline.Kind);
            }

            return (SmtpReadStatus.Ok, Utf8Encoding.GetString(text), deadline.Kind);
        }
    }

    /// <summary>
    /// Reads message data (the caller advances the pipe). A shutdown request does not interrupt it:
    /// a message in progress is finished and answered (docs/smtp.md "Graceful shutdown").
    /// </summary>
    public async ValueTask<(SmtpReadStatus Status, ReadResult Result)> ReadDataAsync(SmtpDeadline deadline)
    {
        _inData = true;
        try
        {
            return await ReadAsync(deadline);
        }
        finally
        {
            _inData = false;
        }
    }

    private async ValueTask<(SmtpReadStatus Status, ReadResult Result)> ReadAsync(SmtpDeadline deadline)
    {
        while (true)
        {
            var left = deadline.At - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return (SmtpReadStatus.Expired, default);
            }

            _timer.Change(left, Timeout.InfiniteTimeSpan);
            ReadResult result;
            try
            {
                result = await _input.ReadAsync();
            }
            finally
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            if (!result.IsCanceled)
            {
                return (SmtpReadStatus.Ok, result);
            }

            _input.AdvanceTo(result.Buffer.Start); // nothing consumed: what arrived is read again next time

            if (_time.GetUtcNow() >= deadline.At)
            {
                return (SmtpReadStatus.Expired, default);
            }

            if (_shutdownRequested && !_inData)
            {
                return (SmtpReadStatus.ShuttingDown, default);
            }

            // A timer of an earlier read that fired as that read completed: wait again.
        }
    }

    public void Dispose() => _timer.Dispose();
}
