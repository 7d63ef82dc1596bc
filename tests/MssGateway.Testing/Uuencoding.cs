using System.Text;

namespace MssGateway.Testing;

/// <summary>The classic uuencode format (POSIX uuencode): "begin 644 name", lines of up to 45 octets, a "`" line, "end".</summary>
public static class Uuencoding
{
    public static string Encode(string name, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sb = new StringBuilder($"begin 644 {name}\r\n");
        for (var i = 0; i < data.Length; i += 45)
        {
            var n = Math.Min(45, data.Length - i);
            sb.Append((char)(32 + n));
            for (var j = 0; j < n; j += 3)
            {
                var b0 = data[i + j];
                var b1 = j + 1 < n ? data[i + j + 1] : (byte)0;
                var b2 = j + 2 < n ? data[i + j + 2] : (byte)0;
                foreach (var v in new[] { b0 >> 2, ((b0 & 3) << 4) | (b1 >> 4), ((b1 & 15) << 2) | (b2 >> 6), b2 & 63 })
                {
                    sb.Append(v == 0 ? '`' : (char)(32 + v));
                }
            }

            sb.Append("\r\n");
        }

        return sb.Append("`\r\nend\r\n").ToString();
    }
}
