using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace MssGateway.Delivery.Tests;

/// <summary>MX lookup through DnsClient against a tiny authoritative DNS server on loopback (UDP).</summary>
public sealed class DnsMxResolverTests : IAsyncLifetime
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private Task _serve = Task.CompletedTask;

    /// <summary>Zone: domain → MX (preference, exchange); "!nx" marks a name that does not exist.</summary>
    private static readonly Dictionary<string, (ushort Preference, string Exchange)[]> Zone = new(StringComparer.OrdinalIgnoreCase)
    {
        ["operateur-b.test"] = [(20, "mx2.operateur-b.test"), (10, "mx1.operateur-b.test")],
        ["nomail.test"] = [(0, string.Empty)],
        ["sans-mx.test"] = [],
    };

    public Task InitializeAsync()
    {
        _serve = ServeAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        try
        {
            await _serve;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private DnsMxResolver Resolver() =>
        new(new LookupClient(new LookupClientOptions((IPEndPoint)_udp.Client.LocalEndPoint!) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromSeconds(3), UseTcpFallback = false }));

    [Fact]
    public async Task MX_hosts_come_lowest_preference_first()
    {
        var r = await Resolver().ResolveAsync("operateur-b.test", CancellationToken.None);
        Assert.Null(r.Failure);
        Assert.Equal(["mx1.operateur-b.test", "mx2.operateur-b.test"], r.Hosts);
    }

    [Fact]
    public async Task Domain_without_MX_is_its_own_mail_host()
    {
        var r = await Resolver().ResolveAsync("sans-mx.test", CancellationToken.None);
        Assert.Equal(["sans-mx.test"], r.Hosts);
    }

    [Fact]
    public async Task Null_MX_and_unknown_domain_fail_permanently()
    {
        var nullMx = await Resolver().ResolveAsync("nomail.test", CancellationToken.None);
        var unknown = await Resolver().ResolveAsync("inconnu.test", CancellationToken.None);
        Assert.Equal("5.1.10", nullMx.Failure?.EnhancedCode);
        Assert.Equal("5.1.2", unknown.Failure?.EnhancedCode);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var request = await _udp.ReceiveAsync(_stop.Token);
            await _udp.SendAsync(Answer(request.Buffer), request.RemoteEndPoint, _stop.Token);
        }
    }

    /// <summary>Builds the response to one MX query (RFC 1035 §4.1; names in answers point back to the question).</summary>
    private static byte[] Answer(byte[] query)
    {
        var qEnd = 12;
        var labels = new List<string>();
        while (query[qEnd] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, qEnd + 1, query[qEnd]));
            qEnd += query[qEnd] + 1;
        }

        qEnd += 5; // root label, QTYPE, QCLASS
        var name = string.Join('.', labels);
        var found = Zone.TryGetValue(name, out var records);
        var response = new List<byte>(query[..qEnd]);
        response[2] = (byte)(0x84 | (query[2] & 0x01)); // QR, AA, RD copied
        response[3] = (byte)(found ? 0x00 : 0x03); // NOERROR or NXDOMAIN
        var answers = records ?? [];
        response[6] = 0;
        response[7] = (byte)answers.Length;
        response[8] = response[9] = response[10] = response[11] = 0; // no authority, no additional (the query's EDNS OPT is not echoed)
        foreach (var (preference, exchange) in answers)
        {
            var rdata = new List<byte> { (byte)(preference >> 8), (byte)preference };
            foreach (var label in exchange.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                rdata.Add((byte)label.Length);
                rdata.AddRange(Encoding.ASCII.GetBytes(label));
            }

            rdata.Add(0);
            response.AddRange([0xC0, 0x0C, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C]); // name ptr, MX, IN, TTL 300
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)rdata.Count);
            response.AddRange(length);
            response.AddRange(rdata);
        }

        return [.. response];
    }
}
