using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;

namespace MssGateway.Trust;

/// <summary>
/// Reads CA certificates as ANS publishes them (domain.md "IGC-Santé"): PEM bundles, single DER
/// files and PKCS#7 bundles (.p7b/.p7c, DER or PEM), from a file or every file of a directory.
/// </summary>
public static class CertificateBundleReader
{
    private static readonly string[] Extensions = [".pem", ".crt", ".cer", ".der", ".p7b", ".p7c"];

    /// <summary>Reads every certificate of a file, or of the certificate files of a directory (not recursive).</summary>
    /// <exception cref="InvalidDataException">A file holds no certificate or cannot be parsed.</exception>
    public static IReadOnlyList<X509Certificate2> ReadPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (System.IO.Directory.Exists(path))
        {
            return System.IO.Directory.EnumerateFiles(path)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .SelectMany(ReadFile)
                .ToArray();
        }

        return ReadFile(path);
    }

    /// <summary>Reads every certificate of one file (PEM, DER or PKCS#7).</summary>
    public static IReadOnlyList<X509Certificate2> ReadFile(string file) => ReadBytes(File.ReadAllBytes(file), file);

    /// <summary>Reads every certificate of some bytes (PEM, DER or PKCS#7).</summary>
    public static IReadOnlyList<X509Certificate2> ReadBytes(byte[] data, string what)
    {
        ArgumentNullException.ThrowIfNull(data);
        data = UnwrapPemPkcs7(data);
        IList<Org.BouncyCastle.X509.X509Certificate> certs;
        try
        {
            certs = new X509CertificateParser().ReadCertificates(data);
        }
        catch (Exception ex) when (ex is CertificateException or IOException or ArgumentException or InvalidCastException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            throw new InvalidDataException($"'{what}' holds no readable certificate: {ex.Message}", ex);
        }

        if (certs.Count == 0)
        {
            throw new InvalidDataException($"'{what}' holds no certificate (expected PEM, DER or PKCS#7).");
        }

        return certs.Select(c => X509CertificateLoader.LoadCertificate(c.GetEncoded())).ToArray();
    }

    // openssl crl2pkcs7 writes "-----BEGIN PKCS7-----" by default; the parser wants the DER inside.
    private static byte[] UnwrapPemPkcs7(byte[] data)
    {
        const string Begin = "-----BEGIN PKCS7-----";
        const string End = "-----END PKCS7-----";
        if (data.Length < Begin.Length || data.AsSpan().IndexOf("-----BEGIN PKCS7-----"u8) < 0)
        {
            return data;
        }

        var text = System.Text.Encoding.ASCII.GetString(data);
        var start = text.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var end = text.IndexOf(End, start, StringComparison.Ordinal);
        if (end < 0)
        {
            return data;
        }

        try
        {
            return Convert.FromBase64String(string.Concat(text[start..end].Where(c => !char.IsWhiteSpace(c))));
        }
        catch (FormatException)
        {
            return data;
        }
    }
}
