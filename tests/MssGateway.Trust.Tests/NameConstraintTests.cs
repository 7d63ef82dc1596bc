using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 7, RFC 5280 §4.2.1.10 and §6.1.3 (b), (c): a CA constrained to some names cannot
/// issue, nor let a sub-CA issue, a certificate for other names. Chains made by openssl under a test
/// root (make-test-pki.sh, "rule 7"); revocation off, only the constraints are under test.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class NameConstraintTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    internal static async Task<CertificateVerdict> CheckAsync(TestPki pki, TempDirectory work, string leaf, string[] cas, Action<TrustOptions>? configure = null, string? listener = null)
    {
        using var engine = pki.Engine(work, o =>
        {
            o.AnchorPaths = [pki.File("nc-root.pem")];
            o.Revocation.Enabled = false;
            o.Revocation.CrlFiles = [];
            configure?.Invoke(o);
        });
        var extra = new X509Certificate2Collection();
        foreach (var ca in cas)
        {
            extra.Add(pki.Ca(ca));
        }

        return await engine.ValidateAsync(pki.Leaf(leaf), extra, CertificateUsage.ClientAuth, null, listener, default);
    }

    private Task<CertificateVerdict> CheckAsync(string leaf, params string[] cas) => CheckAsync(pki, _work, leaf, cas);

    private static void AssertConstrained(CertificateVerdict verdict, string detail, string text)
    {
        PathValidationTests.AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
        Assert.True(detail == verdict.DetailCode, $"expected {detail}, got {verdict.DetailCode}: {verdict.Detail}");
        Assert.Contains(text, verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subject_dn_inside_the_permitted_directory_subtree_is_trusted()
    {
        var verdict = await CheckAsync("nc-dn-ok", "nc-dn");
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Subject_dn_outside_the_permitted_directory_subtree_is_refused()
    {
        AssertConstrained(await CheckAsync("nc-dn-out", "nc-dn"), "name_constraints", "outside the permitted subtrees of 'TEST AC NOMS DN'");
    }

    [Fact]
    public async Task Dns_name_inside_the_permitted_subtree_is_trusted()
    {
        var verdict = await CheckAsync("nc-dns-ok", "nc-dns");
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Dns_name_of_another_domain_is_refused()
    {
        AssertConstrained(await CheckAsync("nc-dns-out", "nc-dns"), "name_constraints", "'mx.operateur-b.test' is outside");
    }

    [Fact]
    public async Task Host_name_in_the_cn_without_san_is_held_to_the_dns_constraints()
    {
        // MSSanté server certificates carry their host name in the CN; leaving out the SAN must not escape the constraint.
        AssertConstrained(await CheckAsync("nc-dns-cn-out", "nc-dns"), "name_constraints", "'mx.operateur-b.test' is outside");
    }

    [Fact]
    public async Task Dns_name_in_an_excluded_subtree_is_refused()
    {
        AssertConstrained(await CheckAsync("nc-dns-excluded", "nc-dns"), "name_constraints", "excluded subtree 'interdit.operateur-a.test'");
    }

    [Fact]
    public async Task Wildcard_that_covers_an_excluded_host_is_refused()
    {
        AssertConstrained(await CheckAsync("nc-dns-wildcard", "nc-dns"), "name_constraints", "'*.operateur-a.test' is in the excluded subtree");
    }

    [Fact]
    public async Task Constraint_of_a_higher_ca_binds_the_certificates_of_its_sub_ca()
    {
        AssertConstrained(await CheckAsync("nc-sub-out", "nc-sub", "nc-dns"), "name_constraints", "permitted subtrees of 'TEST AC NOMS DNS'");
    }

    [Fact]
    public async Task Mailbox_of_the_permitted_domain_is_trusted_and_of_another_domain_refused()
    {
        var ok = await CheckAsync("nc-email-ok", "nc-email");
        Assert.True(ok.IsTrusted, ok.Detail);
        AssertConstrained(await CheckAsync("nc-email-out", "nc-email"), "name_constraints", "rfc822Name '…@hopital-b.test' is outside");
    }

    [Fact]
    public async Task Email_address_in_the_subject_dn_is_held_to_the_rfc822_constraints()
    {
        AssertConstrained(await CheckAsync("nc-email-dn-out", "nc-email"), "name_constraints", "'…@hopital-b.test' is outside");
    }

    [Fact]
    public async Task Ip_address_outside_the_permitted_range_is_refused()
    {
        var ok = await CheckAsync("nc-ip-ok", "nc-ip");
        Assert.True(ok.IsTrusted, ok.Detail);
        AssertConstrained(await CheckAsync("nc-ip-out", "nc-ip"), "name_constraints", "iPAddress");
    }

    [Fact]
    public async Task Name_of_a_form_the_engine_does_not_interpret_under_a_constraint_of_that_form_is_refused()
    {
        // An otherName (UPN) constraint: the engine cannot compare UPNs, so a certificate carrying one is refused…
        AssertConstrained(await CheckAsync("nc-other-upn", "nc-other"), "name_form_unsupported", "otherName");

        // …while one without an otherName is unaffected by that constraint.
        var plain = await CheckAsync("nc-other-plain", "nc-other");
        Assert.True(plain.IsTrusted, plain.Detail);
    }
}
