using System.Security.Cryptography;
using System.Text;
using MssGateway.Directory;

namespace MssGateway.Host;

/// <summary>
/// Renders mail addresses for logs: as they are, or — when <c>Gateway:Logging:HashAddresses</c> is on —
/// as a keyed hash (HMAC-SHA256 of the normalised address, 16 hex digits) so that log lines of the
/// same mailbox can be correlated without naming it.
/// </summary>
public sealed class AddressRedactor
{
    private readonly byte[]? _key;

    public AddressRedactor(LoggingSection options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HashAddresses)
        {
            _key = File.ReadAllBytes(options.HashKeyFile!);
            if (_key.Length < 16)
            {
                throw new InvalidOperationException("Gateway:Logging:HashKeyFile holds fewer than 16 octets: use a random key of at least 32 octets.");
            }
        }
    }

    public string Render(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_key is null || address.Length == 0)
        {
            return address;
        }

        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(AddressKey.Normalise(address)));
        return "h:" + Convert.ToHexStringLower(mac.AsSpan(0, 8));
    }
}
