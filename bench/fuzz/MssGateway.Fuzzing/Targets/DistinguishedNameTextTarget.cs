using System.Text;
using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// <see cref="DistinguishedName.Parse"/> of RFC 4514 text (the liste blanche's DNCertificatOperateur,
/// configuration), input decoded as UTF-8 as the list files are. Documented rejection:
/// <see cref="FormatException"/>. A parsed name must render (<c>ToString</c>) to text that parses back
/// to a semantically equal name: the liste blanche comparison relies on it.
/// </summary>
public sealed class DistinguishedNameTextTarget : IFuzzTarget
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public string Name => "dn-text";

    public string Description => "DistinguishedName.Parse (RFC 4514 text), ToString, SemanticEquals round trip; bad input = FormatException";

    public string Dictionary => "dn.dict";

    public FuzzOutcome Run(byte[] input)
    {
        DistinguishedName dn;
        try
        {
            dn = DistinguishedName.Parse(Utf8.GetString(input));
        }
        catch (FormatException)
        {
            return FuzzOutcome.Rejected;
        }

        var text = dn.ToString();
        DistinguishedName again;
        try
        {
            again = DistinguishedName.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FuzzInvariantException($"rendered name '{text}' does not parse: {e.Message}", e);
        }

        if (!dn.SemanticEquals(again))
        {
            throw new FuzzInvariantException($"rendered name '{text}' parses to a different name");
        }

        _ = dn.Get("2.5.4.3");
        return FuzzOutcome.Accepted;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds() => [];
}
