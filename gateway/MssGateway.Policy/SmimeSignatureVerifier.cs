using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.IO;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Policy;

/// <summary>
/// Checks the mathematics of a CMS SignedData signature (RFC 5652 §5.6, RFC 8551 §3.5) while the
/// signed content streams through the digest, so memory stays bounded: BouncyCastle's streaming
/// parser. Whether the signer is trusted is the trust engine's question (<see cref="ISmimeSignerValidator"/>).
/// </summary>
internal sealed class SmimeSignatureVerifier(SignerKeyCache keys)
{
    /// <summary>Detached signature (multipart/signed): <paramref name="signedContent"/> is the first body part as stored.</summary>
    public SignatureCheck VerifyDetached(Stream signedContent, byte[] signature)
    {
        if (signature.Length == 0)
        {
            return SignatureCheck.Failed("no application/pkcs7-signature part");
        }

        try
        {
            var parser = new CmsSignedDataParser(new CmsTypedStream(signedContent), signature);
            parser.GetSignedContent().Drain();
            return CheckSigners(parser);
        }
        catch (Exception e) when (IsCmsFailure(e))
        {
            return SignatureCheck.Failed("signature is not valid CMS: " + e.GetType().Name);
        }
    }

    /// <summary>
    /// Opaque signed-data: copies the encapsulated content to <paramref name="contentSink"/> and checks
    /// the signature. Returns null when <paramref name="cms"/> is not SignedData at all (enveloped,
    /// compressed…), with nothing written.
    /// </summary>
    public SignatureCheck? VerifyOpaque(Stream cms, Stream contentSink)
    {
        CmsSignedDataParser parser;
        try
        {
            parser = new CmsSignedDataParser(cms);
        }
        catch (Exception e) when (IsCmsFailure(e))
        {
            return null;
        }

        try
        {
            var content = parser.GetSignedContent();
            if (content is null)
            {
                return SignatureCheck.Failed("signed-data without encapsulated content");
            }

            content.ContentStream.CopyTo(contentSink);
            return CheckSigners(parser);
        }
        catch (Exception e) when (IsCmsFailure(e))
        {
            return SignatureCheck.Failed("signed-data is not valid CMS: " + e.GetType().Name);
        }
    }

    private SignatureCheck CheckSigners(CmsSignedDataParser parser)
    {
        var certificates = parser.GetCertificates();
        var extra = new X509Certificate2Collection();
        foreach (var c in certificates.EnumerateMatches(null))
        {
            extra.Add(X509CertificateLoader.LoadCertificate(c.GetEncoded()));
        }

        var signers = parser.GetSignerInfos().GetSigners();
        if (signers.Count == 0)
        {
            return SignatureCheck.Failed("no signer");
        }

        string failure = "no signer certificate in the message";
        foreach (var signer in signers)
        {
            BcCertificate? certificate = certificates.EnumerateMatches(signer.SignerID).FirstOrDefault();
            if (certificate is null)
            {
                continue;
            }

            bool ok;
            try
            {
                // The key only: validity at signing time is the trust engine's decision.
                ok = signer.Verify(keys.GetPublicKey(certificate));
            }
            catch (Exception e) when (IsCmsFailure(e))
            {
                failure = "signature verification error: " + e.GetType().Name;
                continue;
            }

            if (!ok)
            {
                failure = "signature does not match the content";
                continue;
            }

            var signerCert = X509CertificateLoader.LoadCertificate(certificate.GetEncoded());
            return new SignatureCheck
            {
                IsValid = true,
                Signer = signerCert,
                ExtraCertificates = extra,
                SigningTime = SigningTime(signer),
            };
        }

        return SignatureCheck.Failed(failure);
    }

    private static DateTimeOffset? SigningTime(SignerInformation signer)
    {
        var attribute = signer.SignedAttributes?[CmsAttributes.SigningTime];
        if (attribute is null || attribute.AttrValues.Count == 0)
        {
            return null;
        }

        try
        {
            return new DateTimeOffset(Time.GetInstance(attribute.AttrValues[0]).ToDateTime().ToUniversalTime(), TimeSpan.Zero);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsCmsFailure(Exception e) =>
        e is CmsException or IOException or Asn1Exception or InvalidCastException or ArgumentException
            or SecurityUtilityException or Org.BouncyCastle.Crypto.CryptoException or Org.BouncyCastle.Security.Certificates.CertificateException
            or InvalidOperationException or NotSupportedException or System.Security.Cryptography.CryptographicException;
}
