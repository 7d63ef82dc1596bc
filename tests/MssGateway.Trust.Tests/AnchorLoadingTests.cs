using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>Trust anchors from PEM bundles, DER files, PKCS#7 bundles and directories, reloaded on change (issue 3 §1).</summary>
[Collection(PkiCollection.Name)]
public sealed class AnchorLoadingTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Pkcs7_bundle_as_ans_publishes_it_gives_roots_as_anchors_and_cas_as_intermediates()
    {
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [pki.File("igc-sante.p7b")]);
        var status = engine.GetStatus();
        Assert.Equal(2, status.AnchorCount);
        Assert.Equal(2, status.IntermediateCount);
    }

    [Fact]
    public async Task Directory_of_pem_der_and_p7b_files_is_loaded()
    {
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [pki.File("anchors-dir")]);
        var status = engine.GetStatus();
        Assert.Equal(2, status.AnchorCount);
        Assert.Equal(2, status.IntermediateCount);
        var verdict = await engine.ValidateAsync(pki.Leaf("server"), null, CertificateUsage.ServerAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Anchor_added_to_the_directory_is_trusted_after_reload_without_restart()
    {
        var dir = _work.Combine("anchors");
        System.IO.Directory.CreateDirectory(dir);
        File.Copy(pki.File("root-elem.pem"), Path.Combine(dir, "root-elem.pem"));
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [dir]);
        var before = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.Equal("client_cert_untrusted", before.Reason);

        File.Copy(pki.File("igc-sante.p7b"), Path.Combine(dir, "igc-sante.p7b"));
        await engine.RefreshAsync(default);
        Assert.Equal(2, engine.GetStatus().AnchorCount);
        var after = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(after.IsTrusted, after.Detail);
    }

    [Fact]
    public void File_without_certificates_is_a_start_up_error_naming_the_key()
    {
        var bad = _work.Combine("bad.pem");
        File.WriteAllText(bad, "not a certificate");
        var ex = Assert.Throws<InvalidOperationException>(() => pki.Engine(_work, o => o.AnchorPaths = [bad]));
        Assert.Contains("Gateway:Trust:AnchorPaths", ex.Message, StringComparison.Ordinal);
    }
}
