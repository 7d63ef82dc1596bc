using System.Globalization;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// TLS session resumption towards a next hop that offers it (issue 13 §1), counted where it happens: a
/// real Postfix with <c>smtpd_tls_loglevel = 2</c> logs "Reusing old session" for each handshake that
/// resumed an earlier one. One message per connection, so every message is a new handshake. The next
/// hop is named (localhost): .NET keys the sessions it keeps by the SNI name, and sends none to an IP address.
/// </summary>
public sealed class TlsResumptionTests : IAsyncLifetime
{
    private const int Messages = 4;

    private readonly TestPki _pki = new();
    private MaildirPostfix? _postfix;

    private MaildirPostfix Postfix => _postfix ?? throw new InvalidOperationException("Postfix is not started");

    public async Task InitializeAsync()
    {
        await _pki.InitializeAsync();
        _postfix = await MaildirPostfix.StartAsync(
            "hopital-a.test",
            (Path.Combine(_pki.Directory, "peer.pem"), Path.Combine(_pki.Directory, "peer.key")),
            ["dr.durand@hopital-a.test"],
            _ => Task.FromResult(("smtpd_tls_loglevel = 2\nsmtpd_tls_session_cache_timeout = 3600s\nsmtpd_tls_ask_ccert = yes\nsmtpd_tls_CAfile = " + _pki.RootFile, string.Empty)));
    }

    public async Task DisposeAsync()
    {
        if (_postfix is not null)
        {
            await _postfix.DisposeAsync();
        }

        _pki.Dispose();
    }

    [Fact]
    public async Task New_connections_to_the_same_named_host_resume_an_earlier_TLS_session()
    {
        var resumed = await SendAsync(resumption: true, "on");

        Assert.InRange(resumed, 1, Messages - 1); // every handshake after the first may resume an earlier one
    }

    [Fact]
    public async Task A_resumed_connection_still_authenticates_with_the_gateway_client_certificate()
    {
        var resumed = await SendAsync(resumption: true, "cert", clientCertificate: true);

        Assert.InRange(resumed, 1, Messages - 1);
        // Postfix calls a connection whose client certificate it verified "Trusted": every one, resumed or not.
        Assert.Equal(Messages, Postfix.MailLog.Split('\n').Count(l => l.Contains("Trusted TLS connection established", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_TlsSessionResumption_off_every_connection_makes_a_full_handshake()
    {
        var resumed = await SendAsync(resumption: false, "off");

        Assert.Equal(0, resumed);
    }

    /// <summary>Sends the messages one connection each and returns how many handshakes Postfix saw resumed.</summary>
    private async Task<int> SendAsync(bool resumption, string tag, bool clientCertificate = false)
    {
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:PresentClientCertificate"] = clientCertificate ? "true" : "false",
            ["Gateway:Delivery:InternalNextHop:Host"] = "localhost", // .NET keys its client sessions by the SNI name: none for an IP address
            ["Gateway:Delivery:InternalNextHop:Port"] = Postfix.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:InternalNextHop:Tls"] = "StartTls",
            ["Gateway:Delivery:InternalNextHop:CaFile"] = _pki.RootFile,
            ["Gateway:Delivery:MaxMessagesPerConnection"] = "1",
            ["Gateway:Delivery:ConcurrencyPerDestination"] = "1",
            ["Gateway:Delivery:InitialConcurrency"] = "1",
            ["Gateway:Delivery:TlsSessionResumption"] = resumption ? "true" : "false",
        }, clientCertificate ? _pki : null);
        await h.StartAsync();
        var before = Postfix.Delivered("dr.durand@hopital-a.test").Count;
        for (var i = 0; i < Messages; i++)
        {
            // One after the other: a handshake can only resume a session that an earlier one completed.
            await h.SubmitAsync(SampleMessages.Clinical($"resume-{tag}-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
            await h.WaitAsync(() => h.SpoolIsEmpty() && Postfix.Delivered("dr.durand@hopital-a.test").Count == before + i + 1, $"message {i} in the maildir", 60);
        }

        Assert.Equal(Messages, h.Measurements.GetValueOrDefault("mssgw_delivery_connections_total{result=opened}"));
        return Postfix.MailLog.Split('\n').Count(l => l.Contains("/smtpd[", StringComparison.Ordinal) && l.Contains("Reusing old session", StringComparison.Ordinal));
    }
}
