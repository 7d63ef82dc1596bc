using MssGateway.Host.Tests.Trust;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 7 through the running gateway: an operator's anchor whose nameConstraints permit only
/// operateur-a.test is trusted; a certificate it issued for another domain, with the host name in the
/// CN only (no SAN, as MSSanté server certificates may be), must not pass.
/// </summary>
[Collection(TrustAttackCollection.Name)]
public sealed class TrustNameConstraintAttackTests(TrustAttackGateway gateway)
{
    [Fact]
    public async Task Certificate_outside_its_anchors_name_constraints_is_refused_with_535_5_7_8()
    {
        await using var c = await gateway.ConnectAsync(gateway.Certificate("nc-outside"));
        ReplyAssert.Refused(await c.CommandAsync("EHLO mx.operateur-b.test"), 535, "5.7.8", "client_cert_untrusted");
    }

    [Fact]
    public async Task Certificate_inside_its_anchors_name_constraints_is_accepted()
    {
        await using var c = await gateway.ConnectAsync(gateway.Certificate("nc-inside"));
        (await c.CommandAsync("EHLO mx.operateur-a.test")).AssertCode(250);
    }
}
