using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.Trust.Tests.Fuzzing;

/// <summary>
/// Trusted lists the fuzzer (bench/fuzz, targets trusted-list and trusted-list-signed) wrote,
/// minimised: the reader refuses each with its documented <see cref="TrustedListException"/>, so the
/// anchor store keeps the last good list instead of failing its refresh (docs/security.md "Fuzzing").
/// </summary>
public sealed class TrustedListFuzzRegressionTests : IDisposable
{
    private const string Root = "<TrustServiceStatusList xmlns=\"" + TrustedListReader.Namespace + "\">";
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _signer;

    public TrustedListFuzzRegressionTests()
    {
        _signer = new CertificateRequest("CN=Signataire liste FUZZ", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public void Dispose()
    {
        _signer.Dispose();
        _key.Dispose();
    }

    [Fact]
    public void Xml_declaration_with_a_bad_version_is_a_trusted_list_exception_not_an_argument_exception()
    {
        var ex = Assert.Throws<TrustedListException>(() => Read("<?xml version=\"1.0wJG\"?>\n" + Root + "</TrustServiceStatusList>"));

        Assert.Contains("not well-formed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signature_value_that_is_not_base64_is_a_trusted_list_exception_not_a_format_exception()
    {
        const string signature =
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>" +
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>" +
            "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>" +
            "<ds:Reference URI=\"\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference>" +
            "</ds:SignedInfo><ds:SignatureValue>!!!!</ds:SignatureValue></ds:Signature>";

        var ex = Assert.Throws<TrustedListException>(() => Read(Root + signature + "</TrustServiceStatusList>"));

        Assert.Contains("signature is malformed", ex.Message, StringComparison.Ordinal);
    }

    private TrustedListReader.Result Read(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return TrustedListReader.Read(stream, _signer, new TrustedListOptions(), DateTimeOffset.UtcNow);
    }
}
