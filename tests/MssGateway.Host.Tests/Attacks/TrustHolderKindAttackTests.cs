using MssGateway.Host.Tests.Trust;
using MssGateway.Spool;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 3 through the running gateway: an attacker with a valid organisation certificate of
/// the ORGANISATIONS CA whose CN is a real professional's RPPS identifier (810100000008) tries to send
/// as that professional. Who holds a certificate comes from its issuing CA, never from its CN.
/// </summary>
[Collection(TrustAttackCollection.Name)]
public sealed class TrustHolderKindAttackTests(TrustAttackGateway gateway)
{
    [Theory]
    [InlineData("org-rpps")] // CN=810100000008,OU=1750000000,O=CLINIQUE DEV,C=FR
    [InlineData("org-card")] // CN=810100000008+SN=DUPONT+GN=MARIE,title=Médecin,C=FR — shaped exactly like a card
    public async Task Organisation_certificate_with_a_holders_rpps_as_cn_cannot_send_as_that_holder(string certificate)
    {
        await using var c = await gateway.ConnectAsync(gateway.Certificate(certificate));
        (await c.CommandAsync("EHLO clinique.hopital-dev.mssante.test")).AssertCode(250); // the certificate itself is valid
        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{TrustAttackGateway.HolderMailbox}>"), 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task Organisation_certificate_with_an_rpps_cn_is_identified_by_its_structure_never_by_that_rpps()
    {
        await using (var c = await gateway.ConnectAsync(gateway.Certificate("org-rpps")))
        {
            (await c.CommandAsync("EHLO clinique.hopital-dev.mssante.test")).AssertCode(250);
            (await c.CommandAsync($"MAIL FROM:<{TrustAttackGateway.StructureMailbox}>")).AssertCode(250);
            (await c.CommandAsync($"RCPT TO:<{TrustAttackGateway.Recipient}>")).AssertCode(250);
            (await c.CommandAsync("DATA")).AssertCode(354);
            var queued = ReplyAssert.Queued(await c.CommandAsync(
                $"From: <{TrustAttackGateway.StructureMailbox}>\r\nTo: <{TrustAttackGateway.Recipient}>\r\nSubject: holder kind\r\n\r\nhello\r\n."));
            (await c.CommandAsync("QUIT")).AssertCode(221);

            var envelope = new MessageSpool(gateway.Environment.SpoolPath).Open(SpoolState.Incoming, queued).Envelope;
            Assert.Equal("1750000000", envelope.ClientIdentity);
            Assert.Contains("Authentication-Results:", envelope.PrependHeaders, StringComparison.Ordinal);
            Assert.DoesNotContain("national identifier", envelope.PrependHeaders, StringComparison.Ordinal);
        }

        // The session log names the structure as the identity, not the RPPS of the CN.
        await WaitForAsync(() => gateway.Process.Output.Contains("identity=1750000000", StringComparison.Ordinal));
        Assert.DoesNotContain("identity=" + TrustAttackGateway.HolderNationalIdentifier, gateway.Process.Output, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "timed out waiting for the session log");
    }
}
