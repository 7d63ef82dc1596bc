using System.Security.Cryptography;
using System.Text;

namespace MssGateway.Journal;

/// <summary>
/// The key of the checkpoints: ECDSA P-256 over SHA-256 (IEEE P1363 signatures, base64), identified by
/// the first 8 octets of SHA-256 of its public key (SubjectPublicKeyInfo), so <c>journal verify</c> picks
/// the right public key after a key change. What a checkpoint signs: its instance, sequence number and
/// the hash of the record before it — which, through the chain, covers every record before.
/// </summary>
public sealed class JournalSigner : IDisposable
{
    private readonly ECDsa _key;

    private JournalSigner(ECDsa key, bool canSign)
    {
        _key = key;
        CanSign = canSign;
        var spki = key.ExportSubjectPublicKeyInfo();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(spki).AsSpan(0, 8));
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
    }

    public string KeyId { get; }

    public string PublicKeyPem { get; }

    public bool CanSign { get; }

    /// <summary>A private key (PKCS#8 or SEC1 PEM) or a public key (SubjectPublicKeyInfo PEM) on P-256.</summary>
    public static JournalSigner Load(string path)
    {
        var pem = File.ReadAllText(path);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            throw new InvalidDataException($"'{path}' holds no EC key in PEM: generate one with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {Path.GetFileName(path)}.");
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new InvalidDataException($"'{path}' is not a P-256 key ({key.KeySize} bits): generate one with -pkeyopt ec_paramgen_curve:P-256.");
        }

        var canSign = pem.Contains("PRIVATE KEY", StringComparison.Ordinal);
        return new JournalSigner(key, canSign);
    }

    /// <summary>A new key (dev mode, tests), written as PKCS#8 PEM readable by its owner only.</summary>
    public static JournalSigner Generate(string path)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var fs = new FileStream(path, options))
        {
            fs.Write(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"));
        }

        return new JournalSigner(key, canSign: true);
    }

    public string Sign(string instance, long sequence, string previousHash) =>
        Convert.ToBase64String(_key.SignData(Payload(instance, sequence, previousHash), HashAlgorithmName.SHA256));

    public bool Verify(string instance, long sequence, string previousHash, string signature)
    {
        var bytes = new byte[signature.Length];
        return Convert.TryFromBase64String(signature, bytes, out var n)
            && _key.VerifyData(Payload(instance, sequence, previousHash), bytes.AsSpan(0, n), HashAlgorithmName.SHA256);
    }

    public void Dispose() => _key.Dispose();

    private static byte[] Payload(string instance, long sequence, string previousHash) =>
        Encoding.UTF8.GetBytes($"mssgw-journal-checkpoint/v1\n{instance}\n{sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n{previousHash}");
}
