using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// The certificate identity reader and the path checks of a presented certificate: the input is a
/// TBSCertificate, signed here by the fuzz root (so the signature holds and the engine reads on),
/// loaded as the TLS stack would (a certificate .NET cannot load never reaches our code: skipped),
/// then <see cref="CertificateIdentityReader.Read(X509Certificate2)"/> and the engine's validation for
/// client authentication (revocation off: the CRL targets cover it). Documented rejections: the
/// engine's verdict; for the reader, the exceptions the engine turns into "certificate cannot be read".
/// </summary>
public sealed class CertificateTarget(FuzzContext context) : IFuzzTarget, IDisposable
{
    private readonly TrustEngineHarness _engine = new(context);

    public string Name => "certificate";

    public string Description => "CertificateIdentityReader.Read and CertificateTrustEngine.ValidateAsync of a TBSCertificate signed by the root here; bad input = a refusal verdict";

    public string Dictionary => "asn1.dict";

    public FuzzOutcome Run(byte[] input)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(context.Pki.WrapSigned(input));
        }
        catch (CryptographicException)
        {
            return FuzzOutcome.Skipped;
        }

        using (certificate)
        {
            try
            {
                _ = CertificateIdentityReader.Read(certificate);
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentException or CryptographicException or System.Formats.Asn1.AsnContentException
                or Org.BouncyCastle.Security.Certificates.CertificateException or IOException)
            {
                // The engine answers these "certificate cannot be read"; it must still not throw below.
            }

            var verdict = _engine.Validate(certificate, crl: null, ocsp: null, revocation: false);
            return verdict.IsTrusted ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
        }
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds() =>
        DerSeeds.Certificates(context.Pki).Select(s => new KeyValuePair<string, byte[]>(s.Key, s.Value.GetTbsCertificate()));

    public void Dispose() => _engine.Dispose();
}
