using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;

namespace MssGateway.Testing;

/// <summary>
/// Real S/MIME signatures with a chosen signingTime (issue 12 rule 4: the backdating attack), which
/// <c>openssl cms -sign</c> cannot set: BouncyCastle builds the CMS SignedData with the signer's key
/// and certificate read from the PEM files a test PKI made at run time. The signature is genuine; only
/// the signed signingTime attribute is the attacker's choice.
/// </summary>
public static class CmsMessageSigner
{
    /// <summary>
    /// A whole message (headers, then a multipart/signed body, CRLF line endings) whose first part is
    /// <paramref name="entity"/> exactly, signed detached with <paramref name="signingTime"/>.
    /// </summary>
    public static byte[] SignDetached(string entity, string certificatePem, string keyPem, IEnumerable<string> chainPems, DateTimeOffset signingTime, string headers, string? digestOid = null)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(headers);
        var content = Encoding.UTF8.GetBytes(entity.ReplaceLineEndings("\r\n"));
        digestOid ??= CmsSignedGenerator.DigestSha256;
        var cms = Sign(content, certificatePem, keyPem, chainPems, signingTime, digestOid, encapsulate: false);
        var boundary = "=_signed_" + Guid.NewGuid().ToString("N");
        var micalg = digestOid == CmsSignedGenerator.DigestSha1 ? "sha-1" : "sha-256";
        var sb = new StringBuilder();
        sb.Append(headers.ReplaceLineEndings("\r\n"));
        sb.Append("MIME-Version: 1.0\r\n");
        sb.Append($"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg={micalg}; boundary=\"{boundary}\"\r\n\r\n");
        sb.Append($"--{boundary}\r\n");
        sb.Append(Encoding.UTF8.GetString(content));
        sb.Append($"\r\n--{boundary}\r\n");
        sb.Append("Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=smime.p7s\r\n\r\n");
        sb.Append(Convert.ToBase64String(cms, Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n"));
        sb.Append($"\r\n--{boundary}--\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The DER CMS SignedData over <paramref name="content"/> with a signingTime attribute of the caller's choice.</summary>
    public static byte[] Sign(byte[] content, string certificatePem, string keyPem, IEnumerable<string> chainPems, DateTimeOffset signingTime, string digestOid, bool encapsulate)
    {
        ArgumentNullException.ThrowIfNull(chainPems);
        var certificate = ReadCertificate(certificatePem);
        var key = ReadKey(keyPem);
        var attributes = new Dictionary<DerObjectIdentifier, object>
        {
            [CmsAttributes.SigningTime] = new CmsAttribute(CmsAttributes.SigningTime, new DerSet(new Time(signingTime.UtcDateTime))),
        };
        var generator = new CmsSignedDataGenerator();
        generator.AddSigner(key, certificate, digestOid, new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)), null);
        generator.AddCertificates(CollectionUtilities.CreateStore(new[] { certificate }.Concat(chainPems.Select(ReadCertificate)).ToList()));
        return generator.Generate(new CmsProcessableByteArray(content), encapsulate).GetEncoded();
    }

    private static X509Certificate ReadCertificate(string path)
    {
        using var reader = File.OpenText(path);
        return (X509Certificate)new PemReader(reader).ReadObject();
    }

    private static AsymmetricKeyParameter ReadKey(string path)
    {
        using var reader = File.OpenText(path);
        return new PemReader(reader).ReadObject() switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter key => key,
            var other => throw new InvalidDataException($"{path}: not a private key ({other?.GetType().Name})"),
        };
    }
}
