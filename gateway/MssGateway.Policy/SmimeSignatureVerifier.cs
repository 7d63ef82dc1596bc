using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.Utilities.IO;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Policy;

/// <summary>
/// Checks the mathematics of a CMS SignedData signature (RFC 5652 §5.4–5.6, RFC 8551 §3.5) with memory
/// bounded whatever the content size. BouncyCastle parses the CMS structures; the usual S/MIME case
/// (signed attributes, RSA PKCS#1 v1.5 or ECDSA, SHA-1/2) is checked with .NET cryptography — the content
/// digest streams through <see cref="IncrementalHash"/> and the signature is verified with the
/// certificate's key — which is several times faster than BouncyCastle's managed digests and avoids
/// its Miller-Rabin test of every RSA modulus loaded. Anything else falls back to BouncyCastle's
/// streaming verification. Whether the signer is trusted is the trust engine's question.
/// </summary>
internal sealed class SmimeSignatureVerifier(SignerKeyCache keys)
{
    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string RsaPss = "1.2.840.113549.1.1.10";

    /// <summary>MD2, MD4, MD5, SHA-1.</summary>
    private static readonly HashSet<string> WeakDigests = new(StringComparer.Ordinal)
    {
        "1.2.840.113549.2.2", "1.2.840.113549.2.4", "1.2.840.113549.2.5", "1.3.14.3.2.26",
    };

    /// <summary>md2/md4/md5/sha1WithRSAEncryption, the old OIW sha1WithRSA, ecdsa-with-SHA1, dsa-with-sha1.</summary>
    private static readonly HashSet<string> WeakSignatures = new(StringComparer.Ordinal)
    {
        "1.2.840.113549.1.1.2", "1.2.840.113549.1.1.3", "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5",
        "1.3.14.3.2.29", "1.2.840.10045.4.1", "1.2.840.10040.4.3",
    };

    /// <summary>Detached signature (multipart/signed): <paramref name="signedContent"/> is the first body part as stored; it must be seekable.</summary>
    public SignatureCheck VerifyDetached(Stream signedContent, byte[] signature)
    {
        if (signature.Length == 0)
        {
            return SignatureCheck.Failed("no application/pkcs7-signature part");
        }

        try
        {
            var cms = new CmsSignedData(signature);
            var signers = cms.GetSignerInfos().GetSigners();
            if (CanCheckWithDotNet(signers))
            {
                var digests = Digest(signedContent, signers);
                return CheckWithDotNet(signers, cms.GetCertificates(), cms.SignedContentType, digests);
            }

            signedContent.Position = 0;
            var parser = new CmsSignedDataParser(new CmsTypedStream(signedContent), signature);
            parser.GetSignedContent().Drain();
            return CheckWithBouncyCastle(parser.GetSignerInfos().GetSigners(), parser.GetCertificates());
        }
        catch (Exception e) when (IsCmsFailure(e))
        {
            return SignatureCheck.Error("signature is not valid CMS: " + e.GetType().Name);
        }
    }

    /// <summary>
    /// Opaque signed-data: copies the encapsulated content to <paramref name="contentSink"/> (seekable)
    /// and checks the signature. Returns null when <paramref name="cms"/> is not SignedData at all
    /// (enveloped, compressed…), with nothing written.
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
                return SignatureCheck.Error("signed-data without encapsulated content");
            }

            content.ContentStream.CopyTo(contentSink);
            var signers = parser.GetSignerInfos().GetSigners();
            if (CanCheckWithDotNet(signers))
            {
                contentSink.Position = 0;
                var digests = Digest(contentSink, signers);
                return CheckWithDotNet(signers, parser.GetCertificates(), parser.SignedContentType, digests);
            }

            return CheckWithBouncyCastle(signers, parser.GetCertificates());
        }
        catch (Exception e) when (IsCmsFailure(e))
        {
            return SignatureCheck.Error("signed-data is not valid CMS: " + e.GetType().Name);
        }
    }

    private static bool CanCheckWithDotNet(IList<SignerInformation> signers) =>
        signers.Count > 0 && signers.All(s =>
            s.SignedAttributes is not null
            && HashOf(DigestOid(s)) is not null
            && (SignatureOid(s) is RsaEncryption or EcPublicKey || SignatureHashOf(SignatureOid(s)) is not null));

    /// <summary>One pass over the content, one digest per algorithm the signers name.</summary>
    private static Dictionary<string, byte[]> Digest(Stream content, IList<SignerInformation> signers)
    {
        var hashes = signers.Select(s => DigestOid(s)).Distinct(StringComparer.Ordinal)
            .ToDictionary(oid => oid, oid => IncrementalHash.CreateHash(HashOf(oid)!.Value), StringComparer.Ordinal);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int n;
            while ((n = content.Read(buffer, 0, 81920)) > 0)
            {
                foreach (var h in hashes.Values)
                {
                    h.AppendData(buffer, 0, n);
                }
            }

            return hashes.ToDictionary(kv => kv.Key, kv => kv.Value.GetHashAndReset(), StringComparer.Ordinal);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            foreach (var h in hashes.Values)
            {
                h.Dispose();
            }
        }
    }

    /// <summary>RFC 5652 §5.4 and §5.6 with signed attributes: content-type and message-digest attributes, then the signature over their DER.</summary>
    private static SignatureCheck CheckWithDotNet(IList<SignerInformation> signers, IStore<BcCertificate> certificates, DerObjectIdentifier? contentType, Dictionary<string, byte[]> digests)
    {
        var failure = "no signer certificate in the message";
        SignatureCheck? weak = null;
        foreach (var signer in signers)
        {
            var bcCertificate = certificates.EnumerateMatches(signer.SignerID).FirstOrDefault();
            if (bcCertificate is null)
            {
                continue;
            }

            var attributes = signer.SignedAttributes!;
            var digestAttributes = attributes.GetAll(CmsAttributes.MessageDigest);
            if (digestAttributes.Count != 1 || digestAttributes[0] is not Org.BouncyCastle.Asn1.Cms.Attribute digestAttribute
                || digestAttribute.AttrValues.Count != 1
                || digestAttribute.AttrValues[0] is not Asn1OctetString claimed
                || !CryptographicOperations.FixedTimeEquals(claimed.GetOctets(), digests[DigestOid(signer)]))
            {
                failure = "signature does not match the content";
                continue;
            }

            var typeAttributes = attributes.GetAll(CmsAttributes.ContentType);
            if (typeAttributes.Count != 1 || typeAttributes[0] is not Org.BouncyCastle.Asn1.Cms.Attribute typeAttribute
                || typeAttribute.AttrValues.Count != 1
                || (contentType is not null && !contentType.Equals(typeAttribute.AttrValues[0])))
            {
                failure = "content-type attribute missing or wrong";
                continue;
            }

            var certificate = X509CertificateLoader.LoadCertificate(bcCertificate.GetEncoded());
            if (!VerifySignedAttributes(signer, certificate))
            {
                certificate.Dispose();
                failure = "signature does not verify with the signer's key";
                continue;
            }

            var check = Verified(signer, certificate, certificates);
            if (check.IsValid)
            {
                return check;
            }

            weak ??= check; // another signer may have used strong algorithms
        }

        return weak ?? SignatureCheck.Failed(failure);
    }

    private static bool VerifySignedAttributes(SignerInformation signer, X509Certificate2 certificate)
    {
        var hash = SignatureHashOf(SignatureOid(signer)) ?? HashOf(DigestOid(signer))!.Value;
        var data = signer.GetEncodedSignedAttributes();
        var signature = signer.GetSignature();
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null && (SignatureOid(signer) == RsaEncryption || SignatureOid(signer).StartsWith("1.2.840.113549.1.1.", StringComparison.Ordinal)))
        {
            return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        if (ecdsa is not null && (SignatureOid(signer) == EcPublicKey || SignatureOid(signer).StartsWith("1.2.840.10045.4.", StringComparison.Ordinal)))
        {
            return ecdsa.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        return false;
    }

    private SignatureCheck CheckWithBouncyCastle(IList<SignerInformation> signers, IStore<BcCertificate> certificates)
    {
        if (signers.Count == 0)
        {
            return SignatureCheck.Failed("no signer");
        }

        var failure = "no signer certificate in the message";
        SignatureCheck? weak = null;
        foreach (var signer in signers)
        {
            var certificate = certificates.EnumerateMatches(signer.SignerID).FirstOrDefault();
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

            var check = Verified(signer, X509CertificateLoader.LoadCertificate(certificate.GetEncoded()), certificates);
            if (check.IsValid)
            {
                return check;
            }

            weak ??= check;
        }

        return weak ?? SignatureCheck.Failed(failure);
    }

    /// <summary>A signature that verified: valid, or weak when its algorithms or key are (issue 12 rule 4).</summary>
    private static SignatureCheck Verified(SignerInformation signer, X509Certificate2 signerCertificate, IStore<BcCertificate> certificates)
    {
        var extra = new X509Certificate2Collection();
        foreach (var c in certificates.EnumerateMatches(null))
        {
            extra.Add(X509CertificateLoader.LoadCertificate(c.GetEncoded()));
        }

        var weakness = Weakness(signer, signerCertificate);
        return new SignatureCheck
        {
            Outcome = weakness is null ? SignatureOutcome.Valid : SignatureOutcome.Weak,
            Signer = signerCertificate,
            ExtraCertificates = extra,
            SigningTime = SigningTime(signer),
            Failure = weakness,
        };
    }

    /// <summary>
    /// Why a verified signature is still not acceptable (RFC 8551 §2.1 and §2.2 deprecate MD5 and SHA-1;
    /// ANSSI and RFC 8551 ask for RSA keys of at least 2048 bits): null when it is strong.
    /// </summary>
    private static string? Weakness(SignerInformation signer, X509Certificate2 certificate)
    {
        if (WeakDigests.Contains(DigestOid(signer)))
        {
            return "weak digest algorithm " + DigestOid(signer);
        }

        var signatureOid = SignatureOid(signer);
        if (WeakSignatures.Contains(signatureOid))
        {
            return "weak signature algorithm " + signatureOid;
        }

        if (signatureOid == RsaPss && PssHash(signer) is { } pssHash && WeakDigests.Contains(pssHash))
        {
            return "RSA-PSS with weak hash " + pssHash;
        }

        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                return rsa.KeySize < 2048 ? $"RSA key of {rsa.KeySize} bits" : null;
            }
        }

        using (var ec = certificate.GetECDsaPublicKey())
        {
            if (ec is not null)
            {
                return ec.KeySize < 256 ? $"EC key of {ec.KeySize} bits" : null;
            }
        }

        using (var dsa = certificate.GetDSAPublicKey())
        {
            if (dsa is not null)
            {
                return "DSA key";
            }
        }

        return null;
    }

    /// <summary>The hash of RSASSA-PSS parameters (RFC 4055: SHA-1 when absent).</summary>
    private static string? PssHash(SignerInformation signer)
    {
        var parameters = signer.SignatureAlgorithm.Parameters;
        if (parameters is null or Asn1Null)
        {
            return "1.3.14.3.2.26";
        }

        var pss = Org.BouncyCastle.Asn1.Pkcs.RsassaPssParameters.GetInstance(parameters);
        return pss.HashAlgorithm.Algorithm.Id;
    }

    private static string DigestOid(SignerInformation signer) => signer.DigestAlgorithmID.Algorithm.Id;

    private static string SignatureOid(SignerInformation signer) => signer.SignatureAlgorithm.Algorithm.Id;

    private static HashAlgorithmName? HashOf(string digestOid) => digestOid switch
    {
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        _ => null,
    };

    /// <summary>The hash of a combined signature algorithm (sha256WithRSAEncryption, ecdsa-with-SHA256…).</summary>
    private static HashAlgorithmName? SignatureHashOf(string signatureOid) => signatureOid switch
    {
        "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
        "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
        "1.2.840.113549.1.1.5" or "1.2.840.10045.4.1" => HashAlgorithmName.SHA1,
        _ => null,
    };

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

    /// <summary>
    /// Which exceptions of CMS parsing and verification are the message's fault: all but cancellation and
    /// memory exhaustion. BouncyCastle's parsers meet hostile input here and throw more than their
    /// documented types (NullReference, IndexOutOfRange, Overflow on crafted lengths): issue 12 rule 4
    /// makes every one a permerror verdict, never a 451 or a stack trace.
    /// </summary>
    private static bool IsCmsFailure(Exception e) => e is not (OperationCanceledException or OutOfMemoryException);
}
