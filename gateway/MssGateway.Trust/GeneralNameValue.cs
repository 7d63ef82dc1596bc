using System.Formats.Asn1;

namespace MssGateway.Trust;

/// <summary>
/// One GeneralName (RFC 5280 §4.2.1.6) as the trust engine compares it: the form (the CHOICE tag),
/// the text of rfc822Name / dNSName / URI, the parsed directoryName, the octets of iPAddress, and a
/// key equal for equal names (distribution point matching, RFC 5280 §6.3.3 (b)(2)(i)). Forms the engine
/// does not interpret (otherName, x400Address, ediPartyName, registeredID) keep their DER.
/// </summary>
internal readonly record struct GeneralNameValue(int Form, string? Text, DistinguishedName? Directory, byte[]? Octets, string Key)
{
    public const int OtherName = 0;
    public const int Rfc822Name = 1;
    public const int DnsName = 2;
    public const int X400Address = 3;
    public const int DirectoryName = 4;
    public const int EdiPartyName = 5;
    public const int Uri = 6;
    public const int IpAddress = 7;
    public const int RegisteredId = 8;

    /// <summary>Name of a form, for log details.</summary>
    public static string FormName(int form) => form switch
    {
        OtherName => "otherName",
        Rfc822Name => "rfc822Name",
        DnsName => "dNSName",
        X400Address => "x400Address",
        DirectoryName => "directoryName",
        EdiPartyName => "ediPartyName",
        Uri => "uniformResourceIdentifier",
        IpAddress => "iPAddress",
        RegisteredId => "registeredID",
        _ => "form " + form,
    };

    public static GeneralNameValue ForDirectory(DistinguishedName name) => new(DirectoryName, null, name, null, "dn:" + name.CanonicalKey);

    /// <summary>Reads one GeneralName at the reader's position.</summary>
    /// <exception cref="AsnContentException">Not a GeneralName.</exception>
    public static GeneralNameValue Read(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific)
        {
            throw new AsnContentException("a GeneralName has a context-specific tag");
        }

        var form = tag.TagValue;
        switch (form)
        {
            case Rfc822Name or DnsName or Uri:
                var text = reader.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, form));
                return new(form, text, null, null, form + ":" + (form == Uri ? text : text.ToLowerInvariant()));
            case DirectoryName:
                var inner = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, DirectoryName, isConstructed: true));
                var dn = DistinguishedName.FromDer(inner.ReadEncodedValue());
                inner.ThrowIfNotEmpty();
                return ForDirectory(dn);
            case IpAddress:
                var octets = reader.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, IpAddress));
                return new(form, null, null, octets, "ip:" + Convert.ToHexString(octets));
            default:
                var der = reader.ReadEncodedValue().ToArray();
                return new(form, null, null, der, "der:" + Convert.ToHexString(der));
        }
    }

    /// <summary>Reads a GeneralNames SEQUENCE (or an implicitly tagged one when <paramref name="tag"/> is given).</summary>
    public static List<GeneralNameValue> ReadSequence(AsnReader reader, Asn1Tag? tag = null)
    {
        var seq = reader.ReadSequence(tag);
        var names = new List<GeneralNameValue>();
        while (seq.HasData)
        {
            names.Add(Read(seq));
        }

        return names;
    }
}
