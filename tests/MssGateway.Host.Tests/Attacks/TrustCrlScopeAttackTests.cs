using System.Net.Http;
using MssGateway.Host.Tests.Trust;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 6 through the running gateway: beside each CA's complete CRL (an hour old, revoking
/// something), the gateway is given a newer, empty CRL that the same CA really signed but whose scope
/// does not cover the certificate: the FORT root's "user certificates only" CRL, offered for the
/// PERSONNES CA certificate; the ORGANISATIONS CA's CRL of another distribution point. Under a "take
/// the newest CRL" rule both revocations would vanish.
/// </summary>
[Collection(TrustAttackCollection.Name)]
public sealed class TrustCrlScopeAttackTests(TrustAttackGateway gateway)
{
    [Fact]
    public async Task Card_whose_ca_is_revoked_is_refused_despite_a_newer_user_certificates_only_crl()
    {
        await using var c = await gateway.ConnectAsync(gateway.DevCard);
        ReplyAssert.Refused(await c.CommandAsync("EHLO client.hopital-dev.mssante.test"), 535, "5.7.8", "client_cert_revoked");
    }

    [Fact]
    public async Task Revoked_organisation_certificate_is_refused_despite_a_newer_crl_of_another_distribution_point()
    {
        await using var c = await gateway.ConnectAsync(gateway.Certificate("org-revoked"));
        ReplyAssert.Refused(await c.CommandAsync("EHLO clinique.hopital-dev.mssante.test"), 535, "5.7.8", "client_cert_revoked");
    }

    [Fact]
    public async Task Valid_organisation_certificate_passes_the_same_crls()
    {
        await using var c = await gateway.ConnectAsync(gateway.Certificate("org-ok"));
        (await c.CommandAsync("EHLO clinique.hopital-dev.mssante.test")).AssertCode(250);
    }

    [Fact]
    public async Task Refusals_are_counted_with_the_check_that_refused()
    {
        await using (var c = await gateway.ConnectAsync(gateway.Certificate("org-revoked")))
        {
            ReplyAssert.Refused(await c.CommandAsync("EHLO clinique.hopital-dev.mssante.test"), 535, "5.7.8", "client_cert_revoked");
        }

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{gateway.Environment.HttpPort}/metrics"));
        Assert.Contains("mssgw_certificate_refusals_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("detail=\"crl_revoked\"", metrics, StringComparison.Ordinal);
    }
}
