using System.Buffers;
using System.Globalization;
using System.Text;

namespace MssGateway.Delivery;

/// <summary>
/// Reads SMTP replies from the next hop (RFC 5321 §4.2.1): "ddd-text" continuation lines then one
/// "ddd text" (or "ddd") last line, the same code on every line, CRLF (a bare LF is tolerated, as every
/// client does). Bounded: a line over <see cref="MaxLineLength"/> octets or a reply over
/// <see cref="MaxLines"/> lines is a protocol error, so a hostile peer cannot make the gateway buffer
/// without end. Text is decoded as UTF-8 (RFC 6531 servers may send it), invalid bytes replaced.
/// </summary>
internal sealed class RemoteReplyReader : IDisposable
{
    public const int MaxLineLength = 4096;
    public const int MaxLines = 128;

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(8192);
    private int _start;
    private int _end;

    public RemoteReplyReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Octets received but not read yet (a server that answered ahead of its turn).</summary>
    public int Buffered => _end - _start;

    public async ValueTask<RemoteReply> ReadAsync(CancellationToken ct)
    {
        var lines = new List<string>(2);
        var code = -1;
        while (true)
        {
            var line = await ReadLineAsync(ct);
            if (line.Length < 3 || !IsDigit(line[0], '2', '5') || !IsDigit(line[1], '0', '9') || !IsDigit(line[2], '0', '9'))
            {
                throw new RemoteProtocolException("reply line without a 2yz-5yz code: " + Printable(line));
            }

            var lineCode = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
            if (code >= 0 && lineCode != code)
            {
                throw new RemoteProtocolException(string.Create(CultureInfo.InvariantCulture, $"reply lines with different codes ({code}, then {lineCode})"));
            }

            code = lineCode;
            var last = line.Length == 3 || line[3] == ' ';
            if (!last && line[3] != '-')
            {
                throw new RemoteProtocolException("reply line with neither space nor hyphen after the code: " + Printable(line));
            }

            lines.Add(line.Length > 4 ? line[4..] : string.Empty);
            if (last)
            {
                return new RemoteReply(code, lines);
            }

            if (lines.Count >= MaxLines)
            {
                throw new RemoteProtocolException(string.Create(CultureInfo.InvariantCulture, $"reply of more than {MaxLines} lines"));
            }
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<string> ReadLineAsync(CancellationToken ct)
    {
        var scanned = 0;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (lf >= 0)
            {
                var length = lf - _start;
                if (length > 0 && _buffer[lf - 1] == (byte)'\r')
                {
                    length--;
                }

                if (length > MaxLineLength)
                {
                    throw new RemoteProtocolException(string.Create(CultureInfo.InvariantCulture, $"reply line longer than {MaxLineLength} octets"));
                }

                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = lf + 1;
                return line;
            }

            scanned = _end - _start;
            if (scanned > MaxLineLength)
            {
                throw new RemoteProtocolException(string.Create(CultureInfo.InvariantCulture, $"reply line longer than {MaxLineLength} octets"));
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, scanned);
                _start = 0;
                _end = scanned;
            }

            if (_end == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (n == 0)
            {
                throw new IOException("the next hop closed the connection");
            }

            _end += n;
        }
    }

    private static bool IsDigit(char c, char min, char max) => c >= min && c <= max;

    private static string Printable(string line)
    {
        var cut = line.Length > 80 ? line[..80] : line;
        return string.Concat(cut.Select(c => c < ' ' || c == 0x7F ? '?' : c));
    }
}
