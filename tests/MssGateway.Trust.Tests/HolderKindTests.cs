using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 3 (DESIGN.md §3 "Holder kind"): who holds a certificate comes from the CA that issued
/// it, or from a configured CPS policy the path validates — never from the shape of its CN. The
/// attacker holds a valid organisation certificate whose CN is a real professional's RPPS identifier.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class HolderKindTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    private async Task<CertificateVerdict> TrustedAsync(string leaf, Action<TrustOptions>? configure = null, X509Certificate2Collection? extra = null)
    {
        using var engine = pki.Engine(_work, configure);
        var verdict = await engine.ValidateAsync(pki.Leaf(leaf), extra, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
        return verdict;
    }

    [Fact]
    public async Task Card_of_the_personnes_ca_is_a_personal_cps_with_its_national_identifier()
    {
        var id = (await TrustedAsync("cps-valid")).Identity!;
        Assert.Equal(CertificateKind.PersonalCps, id.Kind);
        Assert.Equal("810100000008", id.NationalIdentifier);
        Assert.Equal("DUPONT", id.LastName);
    }

    [Theory]
    [InlineData("org-rpps-cn")]
    [InlineData("org-card-shaped")]
    public async Task Organisation_certificate_with_an_rpps_shaped_cn_has_no_national_identifier(string leaf)
    {
        var verdict = await TrustedAsync(leaf);
        var id = verdict.Identity!;
        Assert.Equal(CertificateKind.Organisation, id.Kind);
        Assert.Null(id.NationalIdentifier);
        Assert.Null(id.LastName);
        Assert.Null(id.FirstName);
        Assert.Null(id.Profession);
        Assert.Contains("ORGANISATIONS", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Look_alike_personnes_ca_under_another_trusted_root_does_not_issue_cards()
    {
        // Another trusted root (a trusted-list provider, say) certified a CA under the IGC-Santé PERSONNES name.
        var verdict = await TrustedAsync("lookalike-cps", o =>
        {
            o.AnchorPaths = [pki.File("anchors.pem"), pki.File("other-root.pem")];
            o.Revocation.Enabled = false; // the look-alike CA publishes no CRL; only the kind is under test
        }, [pki.Ca("lookalike-pers")]);
        Assert.Equal("TEST AC IGC-SANTE FORT PERSONNES", DistinguishedName.Parse(verdict.Identity!.Issuer).Get("2.5.4.3"));
        Assert.NotEqual(CertificateKind.PersonalCps, verdict.Identity.Kind);
        Assert.Null(verdict.Identity.NationalIdentifier);
    }

    [Fact]
    public async Task Without_the_igc_sante_defaults_a_card_is_not_personal_until_its_ca_is_configured()
    {
        var off = await TrustedAsync("cps-valid", o => o.HolderKinds.UseIgcSanteDefaults = false);
        Assert.Null(off.Identity!.NationalIdentifier);

        var configured = await TrustedAsync("cps-valid", o =>
        {
            o.HolderKinds.UseIgcSanteDefaults = false;
            o.HolderKinds.Issuers.Add(new IssuerKindRule { Issuer = pki.Ca("ca-pers").SubjectName.Name, Kind = CertificateKind.PersonalCps });
        });
        Assert.Equal("810100000008", configured.Identity!.NationalIdentifier);
    }

    [Fact]
    public async Task Configured_cps_policy_makes_a_card_personal_only_when_the_path_validates_it()
    {
        const string cpsPolicy = "1.2.250.1.71.4.2.7.1.42";
        void Configure(TrustOptions o)
        {
            o.AnchorPaths = [pki.File("nc-root.pem")];
            o.Revocation.Enabled = false;
            o.HolderKinds.PersonalPolicyOids = [cpsPolicy];
        }

        var byPolicy = await TrustedAsync("cps-by-policy", Configure, [pki.Ca("cps-policy-ca")]);
        Assert.Equal(CertificateKind.PersonalCps, byPolicy.Identity!.Kind);
        Assert.Equal("810100000156", byPolicy.Identity.NationalIdentifier);

        // The same certificate under a CA that states no policies: the path validates none, so no card.
        var unvalidated = await TrustedAsync("cps-by-policy-unvalidated", Configure, [pki.Ca("plain-ca")]);
        Assert.Null(unvalidated.Identity!.NationalIdentifier);

        // And without the policy configured, the unlisted CA's certificate is an organisation's.
        var unconfigured = await TrustedAsync("cps-by-policy", o =>
        {
            Configure(o);
            o.HolderKinds.PersonalPolicyOids = [];
        }, [pki.Ca("cps-policy-ca")]);
        Assert.Null(unconfigured.Identity!.NationalIdentifier);
    }

    [Fact]
    public async Task Refused_certificate_names_no_national_identifier()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        Assert.False(verdict.IsTrusted);
        Assert.Null(verdict.Identity!.NationalIdentifier);
        Assert.Equal(CertificateKind.Unknown, verdict.Identity.Kind);
    }

    [Fact]
    public void Holder_kind_rules_are_validated_at_start_up_naming_the_key()
    {
        var options = new TrustOptions { AnchorPaths = [pki.File("anchors.pem")] };
        options.HolderKinds.Issuers.Add(new IssuerKindRule { Issuer = "not a dn", Kind = CertificateKind.PersonalCps });
        options.HolderKinds.Issuers.Add(new IssuerKindRule { Issuer = "CN=X,C=FR" });
        options.HolderKinds.PersonalPolicyOids.Add("cps");
        var text = string.Join('\n', new TrustOptionsValidator().Validate(null, options).Failures!);
        Assert.Contains("Gateway:Trust:HolderKinds:Issuers:0:Issuer", text, StringComparison.Ordinal);
        Assert.Contains("Gateway:Trust:HolderKinds:Issuers:1:Kind = 'Unknown'", text, StringComparison.Ordinal);
        Assert.Contains("Gateway:Trust:HolderKinds:PersonalPolicyOids:0", text, StringComparison.Ordinal);
    }
}
