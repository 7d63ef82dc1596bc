using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Policy;

/// <summary>
/// Public keys of signer certificates already seen, keyed by the SHA-256 of the certificate. BouncyCastle
/// 2.x runs Miller-Rabin rounds on every RSA modulus it loads (tens of milliseconds for 2048 bits) and
/// keeps no cache; a professional signs many messages with one card, so the key is loaded once.
/// Bounded: the cache is emptied when it reaches <see cref="Capacity"/> entries.
/// </summary>
internal sealed class SignerKeyCache
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, AsymmetricKeyParameter> _keys = new(StringComparer.Ordinal);

    public AsymmetricKeyParameter GetPublicKey(BcCertificate certificate)
    {
        var id = Convert.ToHexString(SHA256.HashData(certificate.GetEncoded()));
        if (_keys.TryGetValue(id, out var key))
        {
            return key;
        }

        key = certificate.GetPublicKey();
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
        }

        _keys[id] = key;
        return key;
    }
}
