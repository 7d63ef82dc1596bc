using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Trust;

/// <summary>
/// One DistributionPoint of a certificate's cRLDistributionPoints extension (RFC 5280 §4.2.1.13): the
/// names of the point (fullName, or nameRelativeToCRLIssuer completed with the issuer's DN), the
/// reasons it serves, and whether another entity issues its CRL (cRLIssuer: an indirect CRL, which
/// this engine does not use). <see cref="CrlScope"/> matches a CRL against these (RFC 5280 §6.3.3 (b)).
/// </summary>
internal sealed record CrlDistributionPoint(IReadOnlySet<string>? Names, IReadOnlyList<string> Urls, CrlReasons Reasons, bool HasCrlIssuer)
{
    private const string ExtensionOid = "2.5.29.31";

    /// <summary>The distribution points of <paramref name="certificate"/> (none when it has no extension).</summary>
    /// <exception cref="AsnContentException">The extension is malformed.</exception>
    public static IReadOnlyList<CrlDistributionPoint> Read(X509Certificate2 certificate)
    {
        if (certificate.Extensions[ExtensionOid] is not { } ext)
        {
            return [];
        }

        var points = new List<CrlDistributionPoint>();
        var outer = new AsnReader(ext.RawData, AsnEncodingRules.DER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        while (seq.HasData)
        {
            var dp = seq.ReadSequence();
            IReadOnlySet<string>? names = null;
            var urls = new List<string>();
            var reasons = CrlReasons.All;
            var crlIssuer = false;
            if (dp.HasData && dp.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                var (n, u) = ReadName(dp.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)), certificate.IssuerName.RawData);
                names = n;
                urls.AddRange(u);
            }

            if (dp.HasData && dp.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
            {
                reasons = ReadReasons(dp, new Asn1Tag(TagClass.ContextSpecific, 1));
            }

            if (dp.HasData && dp.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
            {
                GeneralNameValue.ReadSequence(dp, new Asn1Tag(TagClass.ContextSpecific, 2, isConstructed: true));
                crlIssuer = true;
            }

            dp.ThrowIfNotEmpty();
            points.Add(new CrlDistributionPoint(names, urls, reasons, crlIssuer));
        }

        return points;
    }

    /// <summary>
    /// Reads the DistributionPointName CHOICE inside an explicit [0]: the keys of its names (a
    /// nameRelativeToCRLIssuer is completed with <paramref name="crlIssuerDer"/>, RFC 5280 §4.2.1.13) and its URIs.
    /// </summary>
    internal static (IReadOnlySet<string> Names, IReadOnlyList<string> Urls) ReadName(AsnReader explicitZero, ReadOnlyMemory<byte> crlIssuerDer)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var urls = new List<string>();
        var tag = explicitZero.PeekTag();
        if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            foreach (var name in GeneralNameValue.ReadSequence(explicitZero, new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                keys.Add(name.Key);
                if (name.Form == GeneralNameValue.Uri)
                {
                    urls.Add(name.Text!);
                }
            }
        }
        else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            // RelativeDistinguishedName [1] IMPLICIT SET: the issuer's RDNs followed by this one.
            var rdn = explicitZero.ReadEncodedValue().ToArray();
            rdn[0] = 0x31; // universal constructed SET instead of [1]
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                var issuer = new AsnReader(crlIssuerDer, AsnEncodingRules.BER).ReadSequence();
                while (issuer.HasData)
                {
                    writer.WriteEncodedValue(issuer.ReadEncodedValue().Span);
                }

                writer.WriteEncodedValue(rdn);
            }

            keys.Add(GeneralNameValue.ForDirectory(DistinguishedName.FromDer(writer.Encode())).Key);
        }
        else
        {
            throw new AsnContentException("unknown DistributionPointName choice");
        }

        explicitZero.ThrowIfNotEmpty();
        return (keys, urls);
    }

    /// <summary>Reads an implicitly tagged ReasonFlags BIT STRING.</summary>
    internal static CrlReasons ReadReasons(AsnReader reader, Asn1Tag tag) =>
        reader.ReadNamedBitListValue<CrlReasons>(tag) & CrlReasons.All;
}
