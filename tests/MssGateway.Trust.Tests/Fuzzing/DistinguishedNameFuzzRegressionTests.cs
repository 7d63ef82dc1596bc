using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Trust.Tests.Fuzzing;

/// <summary>
/// Inputs the fuzzer (bench/fuzz, targets dn-der and certificate) found, minimised, each with the
/// answer the DN reader owes them (docs/security.md "Fuzzing").
/// </summary>
public sealed class DistinguishedNameFuzzRegressionTests
{
    // SEQUENCE { SET { SEQUENCE { OID 2.5.4.7 (L), T61String "Orl\xE9ans" } } }: the minimised dn-der crash.
    private static readonly byte[] TeletexLocality = Convert.FromHexString("30123110300E060355040714074F726CE9616E73");

    // SEQUENCE { SET { SEQUENCE { OID 2.5.4.9 (STREET), UniversalString "A\U0001F600" } } }: from the dn-der seed corpus.
    private static readonly byte[] UniversalStreet = Convert.FromHexString("30133111300F06035504091C08000000410001F600");

    // The same with 3 octets of UCS-4 (not a whole character).
    private static readonly byte[] TruncatedUniversalStreet = Convert.FromHexString("300E310C300A06035504091C03000041");

    [Fact]
    public void Universal_string_value_is_read_as_ucs4_instead_of_throwing_argument_out_of_range()
    {
        var dn = DistinguishedName.FromDer(UniversalStreet);

        Assert.Equal("A\U0001F600", dn.Get("2.5.4.9"));
    }

    [Fact]
    public void Truncated_universal_string_is_the_documented_asn_content_exception()
    {
        Assert.Throws<AsnContentException>(() => DistinguishedName.FromDer(TruncatedUniversalStreet));
    }

    [Fact]
    public void Teletex_string_value_is_read_as_latin1_instead_of_throwing_argument_exception()
    {
        var dn = DistinguishedName.FromDer(TeletexLocality);

        Assert.Equal("Orléans", dn.Get("2.5.4.7"));
        Assert.Equal("L=Orléans", dn.ToString());
    }

    [Fact]
    public void Certificate_with_a_teletex_subject_is_read_not_refused_as_unreadable()
    {
        // Old CA and card certificates encode names as TeletexString: the identity must still be read.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var (oid, tag, value) in new[] { ("2.5.4.6", UniversalTagNumber.PrintableString, "FR"), ("2.5.4.3", UniversalTagNumber.T61String, "CH Orléans") })
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    if (tag == UniversalTagNumber.T61String)
                    {
                        // AsnWriter refuses to write a T61String: the TLV is written by hand.
                        var latin1 = System.Text.Encoding.Latin1.GetBytes(value);
                        writer.WriteEncodedValue([0x14, (byte)latin1.Length, .. latin1]);
                    }
                    else
                    {
                        writer.WriteCharacterString(tag, value);
                    }
                }
            }
        }

        var subject = new X500DistinguishedName(writer.Encode());
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var identity = CertificateIdentityReader.Read(certificate);

        Assert.Equal("CN=CH Orléans,C=FR", identity.Subject);
    }
}
