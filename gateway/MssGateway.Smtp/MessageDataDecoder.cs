using System.Buffers;

namespace MssGateway.Smtp;

/// <summary>
/// Decodes message data as it streams: removes dot-stuffing and finds the end marker for DATA
/// (RFC 5321 §4.5.2), checks line endings and line length for DATA and BDAT. Only
/// &lt;CRLF&gt;.&lt;CRLF&gt; ends DATA; a bare CR or LF anywhere marks the message as an SMTP
/// smuggling attempt, and &lt;LF&gt;.&lt;LF&gt; or &lt;CR&gt;.&lt;CR&gt; never end it. Runs of ordinary
/// octets are copied in bulk; state carries across buffer boundaries.
/// </summary>
internal sealed class MessageDataDecoder
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dot = (byte)'.';

    private readonly bool _dotStuffed;
    private readonly int _maxLineLength;
    private State _state = State.LineStart;
    private int _lineLength;

    public MessageDataDecoder(bool dotStuffed, int maxLineLength)
    {
        _dotStuffed = dotStuffed;
        _maxLineLength = maxLineLength;
    }

    private enum State
    {
        LineStart,
        InLine,
        AfterCr,
        DotAtLineStart,
        DotThenCr,
    }

    /// <summary>A bare CR or LF was seen.</summary>
    public bool BareLineEnding { get; private set; }

    /// <summary>A line longer than the limit (CRLF included) was seen.</summary>
    public bool LineTooLong { get; private set; }

    /// <summary>Decoded octets so far.</summary>
    public long DecodedLength { get; private set; }

    /// <summary>True when the last decoded octets are CRLF (or nothing was decoded).</summary>
    public bool EndsWithLineBreak => _state == State.LineStart;

    /// <summary>
    /// Decodes <paramref name="input"/> into <paramref name="output"/> (null: count and check only).
    /// Returns the number of input octets consumed; <paramref name="ended"/> is set when the DATA
    /// end marker was consumed (never for BDAT).
    /// </summary>
    public long Decode(ReadOnlySequence<byte> input, IBufferWriter<byte>? output, out bool ended)
    {
        ended = false;
        long consumed = 0;
        foreach (var segment in input)
        {
            var span = segment.Span;
            var i = 0;
            while (i < span.Length)
            {
                switch (_state)
                {
                    case State.LineStart:
                        if (_dotStuffed && span[i] == Dot)
                        {
                            _state = State.DotAtLineStart;
                            i++;
                            continue;
                        }

                        _state = State.InLine;
                        continue;

                    case State.InLine:
                        {
                            var rest = span[i..];
                            var stop = rest.IndexOfAny(Cr, Lf);
                            var run = stop < 0 ? rest : rest[..stop];
                            Emit(run, output);
                            _lineLength += run.Length;
                            i += run.Length;
                            CheckLineLength();
                            if (stop < 0)
                            {
                                break;
                            }

                            if (rest[stop] == Cr)
                            {
                                _state = State.AfterCr;
                            }
                            else
                            {
                                // Bare LF: stored as is, flagged; the line does not end here.
                                BareLineEnding = true;
                                Emit(rest.Slice(stop, 1), output);
                                _lineLength++;
                            }

                            i++;
                            CheckLineLength();
                            continue;
                        }

                    case State.AfterCr:
                        if (span[i] == Lf)
                        {
                            Emit("\r\n"u8, output);
                            _lineLength += 2;
                            CheckLineLength();
                            _lineLength = 0;
                            _state = State.LineStart;
                            i++;
                            continue;
                        }

                        BareLineEnding = true;
                        Emit("\r"u8, output);
                        _lineLength++;
                        _state = State.InLine;
                        continue;

                    case State.DotAtLineStart:
                        if (span[i] == Cr)
                        {
                            _state = State.DotThenCr;
                            i++;
                            continue;
                        }

                        // The leading dot was stuffing (or a lone dot from a careless client): dropped.
                        _lineLength++;
                        _state = State.InLine;
                        continue;

                    case State.DotThenCr:
                        if (span[i] == Lf)
                        {
                            consumed += i + 1;
                            ended = true;
                            return consumed;
                        }

                        // ".<CR>x": a bare CR after a dot, never an end marker.
                        BareLineEnding = true;
                        Emit("\r"u8, output);
                        _lineLength += 2;
                        _state = State.InLine;
                        continue;
                }
            }

            consumed += span.Length;
        }

        return consumed;
    }

    /// <summary>For BDAT: at the end of the last chunk, a trailing lone CR is a bare line ending.</summary>
    public void Finish(IBufferWriter<byte>? output)
    {
        if (_state == State.AfterCr)
        {
            BareLineEnding = true;
            _state = State.InLine;
        }

        if (_state == State.InLine)
        {
            // A message must end with a line break; RFC 3030 chunks may omit it.
            Emit("\r\n"u8, output);
            _state = State.LineStart;
        }
    }

    private void CheckLineLength()
    {
        if (_lineLength > _maxLineLength)
        {
            LineTooLong = true;
        }
    }

    private void Emit(ReadOnlySpan<byte> data, IBufferWriter<byte>? output)
    {
        DecodedLength += data.Length;
        if (output is not null && !data.IsEmpty)
        {
            output.Write(data);
        }
    }
}
