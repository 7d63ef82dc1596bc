using System.Xml;
using MssGateway.DirectorySync.Sources;
using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// The liste blanche reader (<see cref="AuthorisedDomainListReader.Parse"/>), then what the gateway
/// does with each listed operator DN (<see cref="DistinguishedName.TryParse"/>, the sender binding's
/// comparison). Documented rejections: <see cref="XmlException"/> and <see cref="InvalidDataException"/>
/// (what AuthorisedDomainListLoader catches to keep the last good list).
/// </summary>
public sealed class AuthorisedDomainListTarget : IFuzzTarget
{
    public string Name => "liste-blanche";

    public string Description => "AuthorisedDomainListReader.Parse (XML liste blanche), then DistinguishedName.TryParse of each operator DN; bad input = XmlException / InvalidDataException";

    public string Dictionary => "xml.dict";

    public FuzzOutcome Run(byte[] input)
    {
        AuthorisedDomainList list;
        try
        {
            using var stream = new MemoryStream(input, writable: false);
            list = AuthorisedDomainListReader.Parse(stream);
        }
        catch (Exception ex) when (ex is XmlException or InvalidDataException)
        {
            return FuzzOutcome.Rejected;
        }

        foreach (var subjects in list.Domains.Values)
        {
            foreach (var subject in subjects)
            {
                if (DistinguishedName.TryParse(subject) is { } dn)
                {
                    _ = dn.SemanticEquals(dn);
                }
            }
        }

        return FuzzOutcome.Accepted;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds() => [];
}
