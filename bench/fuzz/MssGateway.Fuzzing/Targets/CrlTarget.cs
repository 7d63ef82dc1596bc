using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// CRL parsing and use (CrlStore, CrlEntry, DistinguishedName.FromDer of the issuer, entry
/// extensions): the input is what the leaf's distribution point serves, and the engine validates the
/// leaf with it. In the <c>crl-signed</c> form the input is the TBSCertList, signed here with the
/// root's key, so mutations get past the signature check to the entries and extensions. Documented
/// rejection: a verdict (client_cert_revoked, client_cert_revocation_unknown...), never an exception.
/// </summary>
public sealed class CrlTarget(FuzzContext context, bool signed) : IFuzzTarget, IDisposable
{
    private readonly TrustEngineHarness _engine = new(context);

    public string Name => signed ? "crl-signed" : "crl";

    public string Description => signed
        ? "CRL from the distribution point, input = TBSCertList signed by the root here (entries, reasons, extensions); bad input = a verdict"
        : "CRL from the distribution point, raw DER (X509CrlParser, CrlEntry, issuer DN, signature check); bad input = a verdict";

    public string Dictionary => "asn1.dict";

    public FuzzOutcome Run(byte[] input)
    {
        var crl = signed ? context.Pki.WrapSigned(input) : input;
        var verdict = _engine.Validate(context.Pki.Leaf, crl, ocsp: null);
        return verdict.IsTrusted ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds() =>
        DerSeeds.Crls(context.Pki).Select(s => new KeyValuePair<string, byte[]>(s.Key, signed ? s.Value.GetTbsCertList() : s.Value.GetEncoded()));

    public void Dispose() => _engine.Dispose();
}
