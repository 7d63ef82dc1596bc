using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace MssGateway.Smtp;

/// <summary>What the start of a connection holds, as a PROXY protocol header.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>A complete, valid header.</summary>
    Complete,

    /// <summary>Valid so far; more octets are needed.</summary>
    Incomplete,

    /// <summary>Not a PROXY header, or a malformed one.</summary>
    Invalid,
}

/// <summary>
/// The HAProxy PROXY protocol header (haproxy doc/proxy-protocol.txt): version 1 (one text line of at
/// most 107 octets, "PROXY TCP4|TCP6|UNKNOWN ...\r\n") and version 2 (a 12-octet signature and a
/// binary block; TLVs are skipped). A LOCAL (v2) or UNKNOWN (v1) header carries no client: the
/// connection keeps its own addresses (a load balancer's health check).
/// </summary>
internal static class ProxyProtocolHeader
{
    /// <summary>Longest v1 line, CRLF included (the specification's bound).</summary>
    public const int MaxV1Length = 107;

    /// <summary>Longest v2 address block accepted (addresses and a few TLVs; the format allows 64 KB, no load balancer needs it).</summary>
    public const int MaxV2Length = 512;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>Parses the header at the start of <paramref name="input"/>; on <see cref="ProxyHeaderStatus.Complete"/>, <paramref name="length"/> octets are the header.</summary>
    public static ProxyHeaderStatus TryParse(ReadOnlySequence<byte> input, out int length, out IPEndPoint? source, out IPEndPoint? destination)
    {
        length = 0;
        source = null;
        destination = null;
        Span<byte> head = stackalloc byte[16];
        var have = (int)Math.Min(input.Length, head.Length);
        input.Slice(0, have).CopyTo(head);
        head = head[..have];

        if (IsPrefix(head, V2Signature))
        {
            if (have < 16)
            {
                return ProxyHeaderStatus.Incomplete;
            }

            var blockLength = BinaryPrimitives.ReadUInt16BigEndian(head[14..16]);
            if (blockLength > MaxV2Length)
            {
                return ProxyHeaderStatus.Invalid;
            }

            if (input.Length < 16 + blockLength)
            {
                return ProxyHeaderStatus.Incomplete;
            }

            Span<byte> block = stackalloc byte[blockLength];
            input.Slice(16, blockLength).CopyTo(block);
            length = 16 + blockLength;
            return ParseV2(head[12], head[13], block, out source, out destination);
        }

        if (IsPrefix(head, V1Prefix))
        {
            var window = input.Slice(0, Math.Min(input.Length, MaxV1Length));
            var lf = window.PositionOf((byte)'\n');
            if (lf is null)
            {
                return window.Length >= MaxV1Length ? ProxyHeaderStatus.Invalid : ProxyHeaderStatus.Incomplete;
            }

            var line = window.Slice(0, lf.Value);
            length = (int)line.Length + 1;
            return ParseV1(Encoding.ASCII.GetString(line), out source, out destination);
        }

        return ProxyHeaderStatus.Invalid;
    }

    private static bool IsPrefix(ReadOnlySpan<byte> head, ReadOnlySpan<byte> signature) =>
        head.Length >= signature.Length ? head.StartsWith(signature) : signature.StartsWith(head);

    private static ProxyHeaderStatus ParseV2(byte versionCommand, byte family, ReadOnlySpan<byte> block, out IPEndPoint? source, out IPEndPoint? destination)
    {
        source = null;
        destination = null;
        if (versionCommand >> 4 != 2)
        {
            return ProxyHeaderStatus.Invalid;
        }

        switch (versionCommand & 0x0F)
        {
            case 0: // LOCAL: the proxy's own connection (health check); addresses, if any, are ignored
                return ProxyHeaderStatus.Complete;
            case 1: // PROXY
                break;
            default:
                return ProxyHeaderStatus.Invalid;
        }

        switch (family)
        {
            case 0x11 when block.Length >= 12: // TCP over IPv4
                source = new IPEndPoint(new IPAddress(block[..4]), BinaryPrimitives.ReadUInt16BigEndian(block[8..10]));
                destination = new IPEndPoint(new IPAddress(block[4..8]), BinaryPrimitives.ReadUInt16BigEndian(block[10..12]));
                return ProxyHeaderStatus.Complete;
            case 0x21 when block.Length >= 36: // TCP over IPv6
                source = new IPEndPoint(new IPAddress(block[..16]), BinaryPrimitives.ReadUInt16BigEndian(block[32..34]));
                destination = new IPEndPoint(new IPAddress(block[16..32]), BinaryPrimitives.ReadUInt16BigEndian(block[34..36]));
                return ProxyHeaderStatus.Complete;
            case 0x00: // UNSPEC: the receiver must use the connection's own addresses
                return ProxyHeaderStatus.Complete;
            default: // UDP, UNIX sockets, or a block too short for its family: not an SMTP client
                return ProxyHeaderStatus.Invalid;
        }
    }

    private static ProxyHeaderStatus ParseV1(string line, out IPEndPoint? source, out IPEndPoint? destination)
    {
        source = null;
        destination = null;
        if (!line.EndsWith('\r'))
        {
            return ProxyHeaderStatus.Invalid;
        }

        var parts = line[..^1].Split(' ');
        if (parts is [_, "UNKNOWN", ..])
        {
            return ProxyHeaderStatus.Complete;
        }

        if (parts.Length != 6 || parts[1] is not ("TCP4" or "TCP6")
            || !IPAddress.TryParse(parts[2], out var src) || !IPAddress.TryParse(parts[3], out var dst)
            || !TryParsePort(parts[4], out var sport) || !TryParsePort(parts[5], out var dport))
        {
            return ProxyHeaderStatus.Invalid;
        }

        var family = parts[1] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (src.AddressFamily != family || dst.AddressFamily != family)
        {
            return ProxyHeaderStatus.Invalid;
        }

        source = new IPEndPoint(src, sport);
        destination = new IPEndPoint(dst, dport);
        return ProxyHeaderStatus.Complete;
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535 && (text.Length == 1 || text[0] != '0');
}
