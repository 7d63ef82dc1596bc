using System.Globalization;
using System.Text;

namespace MssGateway.Directory;

/// <summary>
/// The one normal form of mailbox addresses and domains used as directory keys: Unicode NFC, lower
/// case (invariant), domain in IDNA Unicode form. Local parts of MSSanté addresses are treated as
/// case-insensitive, as the national directory does.
/// </summary>
public static class AddressKey
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Normalises "Local@Domain" to its key form; returns the input trimmed and lowered when it has no '@'.</summary>
    public static string Normalise(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var trimmed = address.Trim();
        var at = trimmed.LastIndexOf('@');
        if (at < 0)
        {
            return NormaliseDomain(trimmed);
        }

        var local = trimmed[..at].Normalize(NormalizationForm.FormC).ToLowerInvariant();
        return local + "@" + NormaliseDomain(trimmed[(at + 1)..]);
    }

    /// <summary>Normalises a domain: trailing dot removed, IDNA to Unicode, NFC, lower case.</summary>
    public static string NormaliseDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var d = domain.Trim().TrimEnd('.');
        if (d.Length == 0)
        {
            return d;
        }

        try
        {
            d = Idn.GetUnicode(d.ToLowerInvariant());
        }
        catch (ArgumentException)
        {
            // Not a valid IDNA label sequence: keep the text as given; lookups will simply miss.
        }

        return d.Normalize(NormalizationForm.FormC).ToLowerInvariant();
    }

    /// <summary>The domain part of an address (normalised), or empty when there is none.</summary>
    public static string DomainOf(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : NormaliseDomain(address[(at + 1)..]);
    }
}
