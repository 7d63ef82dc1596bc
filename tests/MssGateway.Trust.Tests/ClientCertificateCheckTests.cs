using MssGateway.Directory;
using MssGateway.Smtp;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>The hooks' logic: certificate after the handshake, then sender binding at MAIL FROM.</summary>
[Collection(PkiCollection.Name)]
public sealed class ClientCertificateCheckTests : IDisposable
{
    private readonly TestPki _pki;
    private readonly TempDirectory _work = new("mssgw-trust");
    private readonly CertificateTrustEngine _engine;
    private readonly ClientCertificateCheck _check;

    public ClientCertificateCheckTests(TestPki pki)
    {
        _pki = pki;
        var file = _work.Combine("directory.json");
        File.WriteAllText(file, """{ "mailboxes": [ { "address": "marie.dupont@hopital.mssante.test", "kind": "Personal", "nationalIdentifier": "810100000008" } ] }""");
        _engine = pki.Engine(_work);
        _check = new ClientCertificateCheck(_engine, new SenderBinding(new FileMailboxDirectory(file)));
    }

    public void Dispose()
    {
        _engine.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Trusted_card_then_its_own_address_passes_both_steps_and_the_verdict_is_kept()
    {
        var items = new Dictionary<string, object?>();
        Assert.Null(await _check.CheckCertificateAsync(_pki.Leaf("cps-valid"), [], ClientCertificateMode.Require, "submission", items, default));
        Assert.IsType<CertificateVerdict>(items[ClientCertificateCheck.VerdictItem]);
        Assert.Null(await _check.CheckSenderAsync("marie.dupont@hopital.mssante.test", ClientCertificateMode.Require, items, default));
        var other = await _check.CheckSenderAsync("someone@hopital.mssante.test", ClientCertificateMode.Require, items, default);
        Assert.Equal("sender_not_bound", other!.Reason);
    }

    [Fact]
    public async Task Missing_certificate_on_a_requiring_listener_is_refused_with_530_5_7_0()
    {
        var items = new Dictionary<string, object?>();
        var reply = await _check.CheckCertificateAsync(null, null, ClientCertificateMode.Require, "submission", items, default);
        Assert.Equal((530, "5.7.0", "client_cert_missing"), (reply!.Code, reply.EnhancedCode, reply.Reason));
        var atMail = await _check.CheckSenderAsync("x@y.test", ClientCertificateMode.Require, new Dictionary<string, object?>(), default);
        Assert.Equal("client_cert_missing", atMail!.Reason);
    }

    [Fact]
    public async Task Requesting_listener_accepts_no_certificate_but_refuses_a_bad_one()
    {
        Assert.Null(await _check.CheckCertificateAsync(null, null, ClientCertificateMode.Request, "relay", new Dictionary<string, object?>(), default));
        var reply = await _check.CheckCertificateAsync(_pki.Leaf("cps-revoked"), null, ClientCertificateMode.Request, "relay", new Dictionary<string, object?>(), default);
        Assert.Equal("client_cert_revoked", reply!.Reason);
    }
}
