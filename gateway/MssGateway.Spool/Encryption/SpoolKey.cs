using System.Security.Cryptography;
using System.Text;

namespace MssGateway.Spool.Encryption;

/// <summary>
/// A key-encryption key of the spool: 32 octets (AES-256), read from a file that holds them base64
/// encoded (<c>openssl rand -base64 32</c>, what a Kubernetes Secret holds) or raw. Its id is derived
/// from the key itself (the first 8 octets of SHA-256 over a label and the key), so a file cannot be
/// named with the wrong id and an operator can tell which key a message needs from the error alone.
/// </summary>
public sealed class SpoolKey
{
    public const int KeyLength = 32;
    public const int IdLength = 8;

    private SpoolKey(byte[] material, string source)
    {
        Material = material;
        Source = source;
        var id = new byte[IdLength];
        SHA256.HashData([.. "mssgw spool key id v1\0"u8, .. material]).AsSpan(0, IdLength).CopyTo(id);
        Id = id;
        IdText = Convert.ToHexStringLower(id);
    }

    /// <summary>The key id as written in the header of every file sealed with this key.</summary>
    public ReadOnlyMemory<byte> Id { get; }

    /// <summary>The key id in hex, as the logs and error messages name it.</summary>
    public string IdText { get; }

    /// <summary>Where the key was read from (for error messages; never the key).</summary>
    public string Source { get; }

    internal byte[] Material { get; }

    /// <summary>A key from its 32 octets (tests, dev mode).</summary>
    public static SpoolKey FromBytes(ReadOnlySpan<byte> material, string source = "memory")
    {
        if (material.Length != KeyLength)
        {
            throw new ArgumentException($"A spool key holds {KeyLength} octets, not {material.Length}.", nameof(material));
        }

        return new SpoolKey(material.ToArray(), source);
    }

    /// <summary>Reads a key file; throws <see cref="InvalidDataException"/> naming the file and the fix when it is not a key.</summary>
    public static SpoolKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == KeyLength)
        {
            return new SpoolKey(bytes, path);
        }

        var text = Encoding.ASCII.GetString(bytes).Trim();
        var decoded = new byte[text.Length];
        if (Convert.TryFromBase64String(text, decoded, out var n) && n == KeyLength)
        {
            return new SpoolKey(decoded[..n], path);
        }

        throw new InvalidDataException($"'{path}' is not a spool key: it must hold 32 random octets, base64 encoded (openssl rand -base64 32 > {Path.GetFileName(path)}).");
    }

    /// <summary>Draws a new key and writes it base64 encoded, readable by its owner only (dev mode).</summary>
    public static SpoolKey Generate(string path)
    {
        var material = RandomNumberGenerator.GetBytes(KeyLength);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var fs = new FileStream(path, options))
        {
            fs.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(material) + "\n"));
        }

        return new SpoolKey(material, path);
    }
}
