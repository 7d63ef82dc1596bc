using MssGateway.Directory;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// MAIL FROM bound to the certificate holder (issue 3 §5): the engine validates the openssl-made
/// certificate, then <see cref="SenderBinding"/> asks a real file-backed directory.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class SenderBindingTests : IDisposable
{
    private readonly TestPki _pki;
    private readonly TempDirectory _work = new("mssgw-trust");
    private readonly SenderBinding _binding;

    public SenderBindingTests(TestPki pki)
    {
        _pki = pki;
        var file = _work.Combine("directory.json");
        File.WriteAllText(file, """
        {
          "mailboxes": [
            { "address": "marie.dupont@hopital.mssante.test", "kind": "Personal", "nationalIdentifier": "810100000008", "lastName": "DUPONT" },
            { "address": "paul.autre@hopital.mssante.test", "kind": "Personal", "nationalIdentifier": "810100000099" },
            { "address": "accueil@clinique.mssante.test", "kind": "Organisational", "structureIdentifier": "1690000001" }
          ],
          "authorisedDomains": [
            { "domain": "operateur.mssante.test", "operatorCertificateSubjects": [ "cn=MX.Operateur.test, ou=1750000000, o=Operateur  Test, st=Paris (75), c=FR" ] },
            { "domain": "autre.mssante.test", "operatorCertificateSubjects": [ "CN=mx.autre.test,OU=1690000000,O=AUTRE OPERATEUR,ST=Lyon (69),C=FR" ] }
          ]
        }
        """);
        _binding = new SenderBinding(new FileMailboxDirectory(file));
    }

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Cps_holder_may_send_from_a_mailbox_the_directory_lists_for_them()
    {
        var identity = await TrustedIdentity("cps-valid", CertificateUsage.ClientAuth);
        Assert.Null(await _binding.CheckAsync(identity, "Marie.Dupont@HOPITAL.mssante.test", default));
    }

    [Fact]
    public async Task Cps_holder_who_does_not_own_the_mail_from_address_is_refused_with_sender_not_bound_550_5_7_1()
    {
        var identity = await TrustedIdentity("cps-valid", CertificateUsage.ClientAuth);
        var reply = await _binding.CheckAsync(identity, "paul.autre@hopital.mssante.test", default);
        AssertReply(reply, "sender_not_bound", 550, "5.7.1");
        AssertReply(await _binding.CheckAsync(identity, "", default), "sender_not_bound", 550, "5.7.1");
    }

    [Fact]
    public async Task Operator_certificate_listed_for_the_sender_domain_is_accepted_with_dn_compared_semantically()
    {
        var identity = await TrustedIdentity("server", CertificateUsage.ClientAuth);
        Assert.Null(await _binding.CheckAsync(identity, "someone@operateur.mssante.test", default));
        Assert.Null(await _binding.CheckAsync(identity, "", default)); // bounces
    }

    [Fact]
    public async Task Operator_certificate_not_listed_for_an_authorised_domain_is_refused_with_sender_not_bound()
    {
        var identity = await TrustedIdentity("server", CertificateUsage.ClientAuth);
        var reply = await _binding.CheckAsync(identity, "someone@autre.mssante.test", default);
        AssertReply(reply, "sender_not_bound", 550, "5.7.1");
    }

    [Fact]
    public async Task Operator_sending_for_a_domain_not_on_the_list_is_refused_with_domain_not_authorised_550_5_7_1()
    {
        var identity = await TrustedIdentity("server-other", CertificateUsage.ClientAuth);
        var reply = await _binding.CheckAsync(identity, "someone@gmail.test", default);
        AssertReply(reply, "domain_not_authorised", 550, "5.7.1");
    }

    [Fact]
    public async Task Organisation_certificate_may_send_from_its_structure_mailboxes_only()
    {
        var identity = await TrustedIdentity("org", CertificateUsage.ClientAuth);
        Assert.Null(await _binding.CheckAsync(identity, "accueil@clinique.mssante.test", default));
        AssertReply(await _binding.CheckAsync(identity, "marie.dupont@hopital.mssante.test", default), "sender_not_bound", 550, "5.7.1");
    }

    [Theory]
    [InlineData("CN=mx.operateur.test,OU=1750000000,O=OPERATEUR TEST,ST=Paris (75),C=FR", true)]
    [InlineData("C=FR, ST=Paris (75), O=OPERATEUR TEST, OU=1750000000, CN=mx.operateur.test", true)]
    [InlineData("CN=mx.operateur.test,OU=1750000000,O=OPERATEUR   test,ST=paris (75),C=fr", true)]
    [InlineData("CN=mx.operateur.test,OU=1750000001,O=OPERATEUR TEST,ST=Paris (75),C=FR", false)]
    [InlineData("CN=mx.operateur.test,O=OPERATEUR TEST,ST=Paris (75),C=FR", false)]
    [InlineData("OU=1750000000,CN=mx.operateur.test,O=OPERATEUR TEST,ST=Paris (75),C=FR", false)]
    public void Listed_subject_dns_are_compared_semantically(string listed, bool expected)
    {
        var subject = CertificateIdentityReader.Read(_pki.Leaf("server")).Subject;
        Assert.Equal(expected, SenderBinding.SubjectListed(subject, [listed]));
    }

    private async Task<CertificateIdentity> TrustedIdentity(string name, CertificateUsage usage)
    {
        using var engine = _pki.Engine(_work);
        var verdict = await engine.ValidateAsync(_pki.Leaf(name), null, usage, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
        return verdict.Identity!;
    }

    private static void AssertReply(SenderRefusal? refusal, string reason, int code, string enhanced)
    {
        Assert.NotNull(refusal);
        Assert.Equal(reason, refusal!.Value.ToLabel());

        // The reply is the host's (GatewayVerdicts, tested in MssGateway.Host.Tests): sender refusals are 550 5.7.1.
        Assert.Equal((550, "5.7.1"), (code, enhanced));
    }
}
