using System.Formats.Asn1;
using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// <see cref="DistinguishedName.FromDer"/> of a DER Name (certificate and CRL issuers and subjects),
/// then what the trust code does with one: RFC 2253 text, canonical key, attribute lookup.
/// Documented rejection: <see cref="AsnContentException"/>.
/// </summary>
public sealed class DistinguishedNameDerTarget(FuzzContext context) : IFuzzTarget
{
    public string Name => "dn-der";

    public string Description => "DistinguishedName.FromDer (X.501 Name in DER/BER), ToString, CanonicalKey; bad input = AsnContentException";

    public string Dictionary => "asn1.dict";

    public FuzzOutcome Run(byte[] input)
    {
        DistinguishedName dn;
        try
        {
            dn = DistinguishedName.FromDer(input);
        }
        catch (AsnContentException)
        {
            return FuzzOutcome.Rejected;
        }

        _ = dn.ToString();
        _ = dn.CanonicalKey;
        _ = dn.Get("2.5.4.3");
        return FuzzOutcome.Accepted;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds()
    {
        yield return new("root-subject.der", context.Pki.Root.SubjectName.RawData);
        yield return new("leaf-subject.der", context.Pki.Leaf.SubjectName.RawData);
        yield return new("list-signer-subject.der", context.Pki.ListSigner.SubjectName.RawData);
        foreach (var (name, der) in DerSeeds.Names())
        {
            yield return new(name, der);
        }
    }
}
