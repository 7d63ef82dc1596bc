using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 6, RFC 5280 §5.2.4: a delta CRL never replaces a base CRL; it is applied to its base
/// (a complete CRL of the same scope whose cRLNumber is at least the delta's BaseCRLNumber) or ignored.
/// The deltas are made by `openssl ca -gencrl` with a critical deltaCRLIndicator.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class CrlDeltaTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    private Task<CertificateVerdict> CheckAsync(string leaf, params string[] crls) => pki.ValidateWithCrlsAsync(_work, leaf, crls);

    [Fact]
    public async Task Delta_crl_served_in_place_of_the_base_at_the_distribution_point_does_not_replace_it()
    {
        // The distribution point first serves the complete CRL, then an (empty) delta CRL of it.
        var www = _work.Combine("www");
        System.IO.Directory.CreateDirectory(www);
        File.Copy(pki.File("www", "root-fort.crl"), Path.Combine(www, "root-fort.crl"));
        File.Copy(pki.Crl("ca-pers"), Path.Combine(www, "ca-pers.crl"));
        await using var server = new StaticFileServer(www, pki.HttpPort);
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.UseDistributionPoints = true;
            o.Revocation.CrlFiles = [];
        });
        var before = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(before, "client_cert_revoked", 535, "5.7.8");

        File.Copy(pki.Crl("ca-pers-delta-empty"), Path.Combine(www, "ca-pers.crl"), overwrite: true);
        await engine.RefreshCrlsNowAsync(default);
        Assert.Equal(2, server.Requests["ca-pers.crl"]);
        var after = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        Assert.False(after.FromCache);
        PathValidationTests.AssertRefused(after, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("on CRL of", after.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delta_crl_alone_is_not_a_complete_crl()
    {
        var verdict = await CheckAsync("cps-revoked", "root-fort", "ca-pers-delta-empty");
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Contains("only a delta CRL", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delta_crl_is_applied_to_its_base_revoking_and_releasing_holds()
    {
        // Base: cps-hold on hold, cps-late not yet revoked. Delta: hold released (removeFromCRL), cps-late revoked.
        var heldOnBase = await CheckAsync("cps-hold", "root-fort", "ca-pers-base");
        PathValidationTests.AssertRefused(heldOnBase, "client_cert_revoked", 535, "5.7.8");
        var lateOnBase = await CheckAsync("cps-late", "root-fort", "ca-pers-base");
        Assert.True(lateOnBase.IsTrusted, lateOnBase.Detail);

        var released = await CheckAsync("cps-hold", "root-fort", "ca-pers-base", "ca-pers-delta");
        Assert.True(released.IsTrusted, released.Detail);
        var late = await CheckAsync("cps-late", "root-fort", "ca-pers-base", "ca-pers-delta");
        PathValidationTests.AssertRefused(late, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("on delta CRL of", late.Detail, StringComparison.Ordinal);
        var stillRevoked = await CheckAsync("cps-revoked", "root-fort", "ca-pers-base", "ca-pers-delta");
        PathValidationTests.AssertRefused(stillRevoked, "client_cert_revoked", 535, "5.7.8");
    }

    [Fact]
    public async Task Delta_crl_of_a_base_we_do_not_have_is_ignored()
    {
        // Its BaseCRLNumber is past our base's number: it cannot be applied to it.
        var held = await CheckAsync("cps-hold", "root-fort", "ca-pers-base", "ca-pers-delta-future");
        PathValidationTests.AssertRefused(held, "client_cert_revoked", 535, "5.7.8");
        var late = await CheckAsync("cps-late", "root-fort", "ca-pers-base", "ca-pers-delta-future");
        Assert.True(late.IsTrusted, late.Detail);
    }

    [Fact]
    public async Task Delta_crl_does_not_apply_to_an_older_base()
    {
        // ca-pers is older than ca-pers-base (its number is below the delta's BaseCRLNumber).
        var late = await CheckAsync("cps-late", "root-fort", "ca-pers", "ca-pers-delta");
        Assert.True(late.IsTrusted, late.Detail);
    }
}
