namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// OCSP response parsing and interpretation (OcspClient: OCSPResponse, BasicOCSPResponse, responder
/// certificates, single responses): the leaf's CRL is unavailable, so the engine asks its OCSP
/// responder, which answers with the input. In the <c>ocsp-signed</c> form the input is the
/// ResponseData, signed here with the root's key and wrapped, so mutations reach the status, time and
/// CertID checks. Documented rejection: a verdict, never an exception.
/// </summary>
public sealed class OcspTarget(FuzzContext context, bool signed) : IFuzzTarget, IDisposable
{
    private readonly TrustEngineHarness _engine = new(context);

    public string Name => signed ? "ocsp-signed" : "ocsp";

    public string Description => signed
        ? "OCSP answer of the leaf's responder, input = ResponseData signed by the root here; bad input = a verdict"
        : "OCSP answer of the leaf's responder, raw DER OCSPResponse; bad input = a verdict";

    public string Dictionary => "asn1.dict";

    public FuzzOutcome Run(byte[] input)
    {
        var response = signed ? FuzzPki.WrapOcspResponse(context.Pki.WrapSigned(input)) : input;
        var verdict = _engine.Validate(context.Pki.Leaf, crl: null, ocsp: response);
        return verdict.IsTrusted ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds() =>
        DerSeeds.OcspResponses(context.Pki).Select(s => new KeyValuePair<string, byte[]>(s.Key, signed ? s.Value.ResponseData : s.Value.Encoded));

    public void Dispose() => _engine.Dispose();
}
