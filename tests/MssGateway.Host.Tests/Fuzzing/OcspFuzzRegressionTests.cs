using MssGateway.Fuzzing;
using MssGateway.Fuzzing.Targets;

namespace MssGateway.Host.Tests.Fuzzing;

/// <summary>
/// Fuzz findings 15 and 16 (ocsp and ocsp-signed, re-run after the trust rules landed): an OCSP
/// response whose byName ResponderID is not a readable Name, or that carries a responder certificate
/// whose subject does not decode, threw <c>AsnContentException</c> out of the trust engine while it
/// looked for the signer. Each must be a verdict: the response is not believed and the
/// certificate's status is unknown (not trusted).
/// </summary>
public sealed class OcspFuzzRegressionTests : IClassFixture<FuzzSeedCorpusTests.SharedContext>
{
    private readonly FuzzContext _context;

    public OcspFuzzRegressionTests(FuzzSeedCorpusTests.SharedContext shared)
    {
        _context = shared.Context;
    }

    [Theory]
    [InlineData("responder-name-unreadable.ocsp", false)]
    [InlineData("responder-name-unreadable.ocsp", true)]
    [InlineData("responder-certificate-unreadable.ocsp", false)]
    // (The signed form re-signs only the ResponseData: the certificates travel in the raw form alone.)
    public void Response_whose_responder_name_or_certificate_does_not_decode_is_not_believed_instead_of_throwing(string seedName, bool signedForm)
    {
        var seed = DerSeeds.OcspResponses(_context.Pki).Single(s => s.Key == seedName).Value;
        using var target = new OcspTarget(_context, signedForm);

        var outcome = target.Run(signedForm ? seed.ResponseData : seed.Encoded);

        Assert.Equal(FuzzOutcome.Rejected, outcome);
    }
}
