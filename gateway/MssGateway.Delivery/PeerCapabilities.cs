using System.Globalization;

namespace MssGateway.Delivery;

/// <summary>What the next hop announced in its EHLO/LHLO reply: the extensions, and its SIZE limit (0: none announced).</summary>
internal sealed record PeerCapabilities(PeerExtensions Extensions, long MaxSize)
{
    public static PeerCapabilities None { get; } = new(PeerExtensions.None, 0);

    public bool Has(PeerExtensions extension) => (Extensions & extension) == extension;

    /// <summary>Reads the keyword lines of an EHLO reply (the first line is the greeting and is skipped); unknown keywords are ignored.</summary>
    public static PeerCapabilities Parse(RemoteReply ehlo)
    {
        var extensions = PeerExtensions.None;
        long maxSize = 0;
        foreach (var line in ehlo.Lines.Skip(1))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            switch (parts[0].ToUpperInvariant())
            {
                case "PIPELINING":
                    extensions |= PeerExtensions.Pipelining;
                    break;
                case "SIZE":
                    extensions |= PeerExtensions.Size;
                    if (parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    {
                        maxSize = n;
                    }

                    break;
                case "8BITMIME":
                    extensions |= PeerExtensions.EightBitMime;
                    break;
                case "SMTPUTF8":
                    extensions |= PeerExtensions.SmtpUtf8;
                    break;
                case "DSN":
                    extensions |= PeerExtensions.Dsn;
                    break;
                case "CHUNKING":
                    extensions |= PeerExtensions.Chunking;
                    break;
                case "STARTTLS":
                    extensions |= PeerExtensions.StartTls;
                    break;
                case "ENHANCEDSTATUSCODES":
                    extensions |= PeerExtensions.EnhancedStatusCodes;
                    break;
            }
        }

        return new PeerCapabilities(extensions, maxSize);
    }
}
