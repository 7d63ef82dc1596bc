using System.Globalization;

namespace MssGateway.Delivery;

/// <summary>A host and port to connect to ("host:port", "host", "[v6]:port").</summary>
public readonly record struct NextHopAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public static bool TryParse(string? text, int defaultPort, out NextHopAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        string host;
        string? port = null;
        if (t.StartsWith('['))
        {
            var close = t.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = t[1..close];
            var rest = t[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }

                port = rest[1..];
            }
        }
        else
        {
            var colon = t.LastIndexOf(':');
            if (colon >= 0 && t.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return false; // bare IPv6 without brackets is ambiguous
            }

            host = colon < 0 ? t : t[..colon];
            port = colon < 0 ? null : t[(colon + 1)..];
        }

        var p = defaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p is < 1 or > 65535))
        {
            return false;
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace))
        {
            return false;
        }

        address = new NextHopAddress(host, p);
        return true;
    }
}
