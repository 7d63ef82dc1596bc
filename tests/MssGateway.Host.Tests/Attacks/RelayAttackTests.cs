using MssGateway.Host.Tests.Trust;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 2 through the running gateway: no relaying between third parties, and the liste
/// blanche before the directory. An operator with a valid, listed server certificate tries to have
/// the gateway carry its mail to somebody else's domain; a professional names a mailbox the directory
/// lists on a domain the liste blanche does not (the file directory here; the Redis directory in
/// EndToEnd/RedisDirectoryTests).
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class RelayAttackTests(AttackGateway gateway)
{
    private async Task<MssGateway.Testing.SmtpTestClient> OperatorOnRelayAsync()
    {
        var c = await gateway.ConnectAsync("relay", gateway.OperatorB);
        (await c.CommandAsync($"MAIL FROM:<{AttackGateway.OperatorBMailbox}>")).AssertCode(250);
        return c;
    }

    [Fact]
    public async Task Rcpt_to_a_third_party_operators_domain_on_the_relay_listener_is_refused_550_5_7_1_relay_denied()
    {
        await using var c = await OperatorOnRelayAsync();

        ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.OtherAuthorisedDomainMailbox}>"), 550, "5.7.1", "relay_denied");
    }

    [Fact]
    public async Task Rcpt_back_to_the_operators_own_domain_on_the_relay_is_refused_relay_denied()
    {
        await using var c = await OperatorOnRelayAsync();

        ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.OperatorBMailbox}>"), 550, "5.7.1", "relay_denied");
    }

    [Theory]
    [InlineData("dr.tiers@CLINIQUE-C.MSSANTE.TEST")]
    [InlineData("@hopital-dev.mssante.test:dr.tiers@clinique-c.mssante.test")]
    public async Task Case_and_source_route_do_not_open_the_relay(string path)
    {
        await using var c = await OperatorOnRelayAsync();

        ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{path}>"), 550, "5.7.1", "relay_denied");
    }

    [Fact]
    public async Task The_percent_hack_through_our_domain_is_not_relayed()
    {
        await using var c = await OperatorOnRelayAsync();

        ReplyAssert.Refused(await c.CommandAsync("RCPT TO:<dr.tiers%clinique-c.mssante.test@hopital-dev.mssante.test>"), 550, "5.1.1", "recipient_unknown");
    }

    [Fact]
    public async Task Rcpt_for_the_gateways_own_domain_on_the_relay_is_accepted_whatever_its_case()
    {
        await using var c = await OperatorOnRelayAsync();

        (await c.CommandAsync($"RCPT TO:<{AttackGateway.Holder}>")).AssertCode(250, "2.1.5");
        (await c.CommandAsync("RCPT TO:<DEV.RECIPIENT@Hopital-Dev.MSSante.Test>")).AssertCode(250, "2.1.5");
    }

    [Fact]
    public async Task On_the_submission_listener_recipients_anywhere_in_the_espace_de_confiance_stay_allowed()
    {
        await using var c = await gateway.ConnectAsync("submission", gateway.HolderCard);
        (await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}>")).AssertCode(250);

        (await c.CommandAsync($"RCPT TO:<{AttackGateway.OtherAuthorisedDomainMailbox}>")).AssertCode(250, "2.1.5");
        (await c.CommandAsync($"RCPT TO:<{AttackGateway.OperatorBMailbox}>")).AssertCode(250, "2.1.5");
    }

    [Fact]
    public async Task A_mailbox_the_directory_lists_on_a_domain_not_on_the_liste_blanche_is_refused_at_RCPT_domain_not_authorised()
    {
        await using var c = await gateway.ConnectAsync("submission", gateway.HolderCard);
        (await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}>")).AssertCode(250);

        ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.ListedOnUnauthorisedDomain}>"), 550, "5.7.1", "domain_not_authorised");
    }

    [Fact]
    public async Task On_the_relay_a_foreign_domain_is_relay_denied_before_the_directory_is_asked()
    {
        // On the relay, a foreign domain is relay_denied before the directory or the liste blanche is asked.
        await using var c = await OperatorOnRelayAsync();

        ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.ListedOnUnauthorisedDomain}>"), 550, "5.7.1", "relay_denied");
    }

    [Fact]
    public async Task Relay_refusals_are_counted_with_their_reason()
    {
        await using (var c = await OperatorOnRelayAsync())
        {
            ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.OtherAuthorisedDomainMailbox}>"), 550, "5.7.1", "relay_denied");
        }

        var metrics = await AttackMetrics.ScrapeAsync(gateway);
        Assert.True(AttackMetrics.Value(metrics, "mssgw_smtp_refusals_total", "listener=\"relay\"", "reason=\"relay_denied\"", "stage=\"rcpt\"") >= 1, metrics);
    }
}
