using MssGateway.Fuzzing;
using MssGateway.Fuzzing.Targets;

namespace MssGateway.Host.Tests.Fuzzing;

/// <summary>
/// Fuzz finding 15 (ocsp and ocsp-signed, re-run after the trust rules landed): an OCSP response
/// whose byName ResponderID is not a readable Name threw <c>AsnContentException</c> out of the trust
/// engine while it looked for the signer. It must be a verdict: the responder names nobody, so the
/// response is not believed and the certificate's status is unknown (not trusted).
/// </summary>
public sealed class OcspFuzzRegressionTests : IClassFixture<FuzzSeedCorpusTests.SharedContext>
{
    private readonly FuzzContext _context;

    public OcspFuzzRegressionTests(FuzzSeedCorpusTests.SharedContext shared)
    {
        _context = shared.Context;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Response_whose_responder_name_does_not_decode_is_not_believed_instead_of_throwing_asn_content_exception(bool signedForm)
    {
        var seed = DerSeeds.OcspResponses(_context.Pki).Single(s => s.Key == "responder-name-unreadable.ocsp").Value;
        using var target = new OcspTarget(_context, signedForm);

        var outcome = target.Run(signedForm ? seed.ResponseData : seed.Encoded);

        Assert.Equal(FuzzOutcome.Rejected, outcome);
    }
}
