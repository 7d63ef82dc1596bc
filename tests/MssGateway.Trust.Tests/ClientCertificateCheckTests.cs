using MssGateway.Directory;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// The two trust decisions behind the host's client-certificate hooks, in the trust engine's vocabulary:
/// the certificate after the handshake (<see cref="CertificateRefusal"/>), then sender binding at MAIL FROM
/// (<see cref="SenderRefusal"/>). The host's adapter and its replies are tested in MssGateway.Host.Tests.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class ClientCertificateCheckTests : IDisposable
{
    private readonly TestPki _pki;
    private readonly TempDirectory _work = new("mssgw-trust");
    private readonly CertificateTrustEngine _engine;
    private readonly SenderBinding _binding;

    public ClientCertificateCheckTests(TestPki pki)
    {
        _pki = pki;
        var file = _work.Combine("directory.json");
        File.WriteAllText(file, """{ "mailboxes": [ { "address": "marie.dupont@hopital.mssante.test", "kind": "Personal", "nationalIdentifier": "810100000008" } ] }""");
        _engine = pki.Engine(_work);
        _binding = new SenderBinding(new FileMailboxDirectory(file));
    }

    public void Dispose()
    {
        _engine.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Trusted_card_then_its_own_address_passes_both_steps_and_another_address_is_not_bound()
    {
        var verdict = await _engine.ValidateAsync(_pki.Leaf("cps-valid"), [], CertificateUsage.ClientAuth, null, "submission", default);
        Assert.True(verdict.IsTrusted);
        Assert.Null(verdict.Refusal);
        Assert.Equal(TrustLabels.Ok, verdict.Reason);
        Assert.Null(await _binding.CheckAsync(verdict.Identity!, "marie.dupont@hopital.mssante.test", default));
        Assert.Equal(SenderRefusal.NotBound, await _binding.CheckAsync(verdict.Identity!, "someone@hopital.mssante.test", default));
    }

    [Fact]
    public async Task Missing_certificate_is_refused_as_client_cert_missing()
    {
        var verdict = await _engine.ValidateAsync(null, null, CertificateUsage.ClientAuth, null, "submission", default);
        Assert.Equal(CertificateRefusal.Missing, verdict.Refusal);
        Assert.Equal("client_cert_missing", verdict.Reason);
    }

    [Fact]
    public async Task Revoked_card_is_refused_as_client_cert_revoked()
    {
        var verdict = await _engine.ValidateAsync(_pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, "relay", default);
        Assert.Equal(CertificateRefusal.Revoked, verdict.Refusal);
        Assert.Equal("client_cert_revoked", verdict.Reason);
    }

    [Fact]
    public void Every_refusal_has_a_distinct_stable_label()
    {
        var labels = Enum.GetValues<CertificateRefusal>().Select(r => r.ToLabel()).Concat(Enum.GetValues<SenderRefusal>().Select(r => r.ToLabel())).ToList();
        Assert.Equal(labels.Count, labels.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["ok", "client_cert_missing", "client_cert_untrusted", "client_cert_expired", "client_cert_revoked", "client_cert_revocation_unknown", "client_cert_usage"], TrustLabels.CheckReasons);
    }
}
