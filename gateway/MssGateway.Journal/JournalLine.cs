using System.Text.Json;

namespace MssGateway.Journal;

/// <summary>One line read back from a journal file: where it is, its octets' hash and its record (null when it does not parse).</summary>
public sealed record JournalLine(string File, int LineNumber, long Offset, string Hash, JournalRecord? Record)
{
    /// <summary>Splits a file's octets into lines; <paramref name="tornTail"/> gets what follows the last line feed (a record cut by a crash).</summary>
    public static List<JournalLine> Read(string file, byte[] bytes, out ReadOnlyMemory<byte> tornTail)
    {
        var lines = new List<JournalLine>();
        var start = 0;
        var number = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                break;
            }

            number++;
            var span = bytes.AsSpan(start, end - start);
            lines.Add(new JournalLine(file, number, start, JournalFiles.Hash(span), Parse(span)));
            start = end + 1;
        }

        tornTail = bytes.AsMemory(start);
        return lines;
    }

    public static JournalRecord? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
