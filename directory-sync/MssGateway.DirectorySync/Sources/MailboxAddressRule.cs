using MssGateway.Directory;

namespace MssGateway.DirectorySync.Sources;

/// <summary>The addresses the mirror accepts: normalised, one '@', no whitespace or control characters, at most 320 characters.</summary>
public static class MailboxAddressRule
{
    public static string? NormaliseOrNull(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var address = AddressKey.Normalise(raw);
        var at = address.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != address.LastIndexOf('@') || at == address.Length - 1 || address.Length > 320)
        {
            return null;
        }

        foreach (var c in address)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return null;
            }
        }

        return address;
    }

    /// <summary>Trims, and turns empty text into null.</summary>
    public static string? Clean(string? text)
    {
        var t = text?.Trim();
        return string.IsNullOrEmpty(t) ? null : t;
    }
}
