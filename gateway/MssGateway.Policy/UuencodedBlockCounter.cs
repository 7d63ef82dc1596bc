namespace MssGateway.Policy;

/// <summary>
/// Counts the files uuencoded inside a body text (issue 12 rule 5): mail clients (Outlook, Thunderbird)
/// show a <c>begin NNN name</c> … <c>end</c> block, or a <c>begin-base64 NNN name</c> … <c>====</c> one
/// (uuencode -m), as an attachment to save, so its decoded size counts although the text part does
/// not. Fed the decoded text in chunks; keeps only the first octets of the current line, so memory
/// stays constant whatever the text's size. A block without its end line counts up to the end of the
/// text, as decoders do.
/// </summary>
internal sealed class UuencodedBlockCounter(MimeScanBudget budget)
{
    private const int PrefixLength = 24;

    private readonly byte[] _prefix = new byte[PrefixLength];
    private State _state;
    private int _length;
    private int _base64Chars;
    private bool _lastWasCr;

    private enum State
    {
        Text,
        Uuencode,
        Base64,
    }

    public void Write(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b == (byte)'\n')
            {
                EndLine();
                continue;
            }

            if (_length < PrefixLength)
            {
                _prefix[_length] = b;
            }

            _length++;
            _lastWasCr = b == (byte)'\r';
            if (_state == State.Base64 && IsBase64(b))
            {
                _base64Chars++;
            }
        }
    }

    /// <summary>The text ended: its last line may have no line break.</summary>
    public void Complete()
    {
        if (_length > 0)
        {
            EndLine();
        }
    }

    private void EndLine()
    {
        var length = _lastWasCr ? _length - 1 : _length;
        var line = _prefix.AsSpan(0, Math.Min(length, PrefixLength));
        switch (_state)
        {
            case State.Text:
                if (IsBegin(line, "begin "u8))
                {
                    _state = State.Uuencode;
                }
                else if (IsBegin(line, "begin-base64 "u8))
                {
                    _state = State.Base64;
                }

                break;
            case State.Uuencode:
                if (length == 3 && line.SequenceEqual("end"u8))
                {
                    _state = State.Text;
                }
                else if (length > 1)
                {
                    // First character: octets on the line (' ' + n, '`' for 0); then 4 characters per 3 octets.
                    var declared = (line[0] - 32) & 63;
                    budget.AddAttachmentBytes(Math.Min(declared, (length - 1) / 4 * 3));
                }

                break;
            case State.Base64:
                if (length == 4 && line.SequenceEqual("===="u8))
                {
                    _state = State.Text;
                }
                else
                {
                    budget.AddAttachmentBytes(_base64Chars * 3L / 4);
                }

                break;
        }

        _length = 0;
        _base64Chars = 0;
        _lastWasCr = false;
    }

    /// <summary>"begin" or "begin-base64", a space, 3 or 4 octal digits (the file mode), a space: the header line of a block.</summary>
    private static bool IsBegin(ReadOnlySpan<byte> line, ReadOnlySpan<byte> keyword)
    {
        if (!line.StartsWith(keyword))
        {
            return false;
        }

        var rest = line[keyword.Length..];
        var digits = 0;
        while (digits < rest.Length && rest[digits] is >= (byte)'0' and <= (byte)'7')
        {
            digits++;
        }

        return digits is 3 or 4 && rest.Length > digits + 1 && rest[digits] == (byte)' ';
    }

    private static bool IsBase64(byte b) => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'+' or (byte)'/';
}
