namespace MssGateway.Trust.Tests;

/// <summary>Parsing, rendering and semantic comparison of distinguished names.</summary>
public sealed class DistinguishedNameTests
{
    [Fact]
    public void Text_with_escapes_quotes_and_multi_valued_rdn_is_parsed()
    {
        var dn = DistinguishedName.Parse("CN=810100000008+SN=DUPONT+GN=MARIE,title=M\\C3\\A9decin,O=\"A, B\",C=FR");
        Assert.Equal(4, dn.Rdns.Count);
        Assert.Equal(3, dn.Rdns[0].Count);
        Assert.Equal("Médecin", dn.Get("2.5.4.12"));
        Assert.Equal("A, B", dn.Get("2.5.4.10"));
        Assert.Equal("CN=810100000008+SN=DUPONT+GN=MARIE,title=Médecin,O=A\\, B,C=FR", dn.ToString());
    }

    [Fact]
    public void Multi_valued_rdn_parts_compare_in_any_order()
    {
        var a = DistinguishedName.Parse("CN=810100000008+SN=DUPONT+GN=MARIE,C=FR");
        var b = DistinguishedName.Parse("GN=marie+SN=Dupont+CN=810100000008, C=fr");
        Assert.True(a.SemanticEquals(b));
    }

    [Fact]
    public void Aliases_and_dotted_oids_name_the_same_attribute()
    {
        var a = DistinguishedName.Parse("CN=host.test,S=Paris,E=a@b.test");
        var b = DistinguishedName.Parse("2.5.4.3=host.test;ST=Paris;emailAddress=A@B.test");
        Assert.True(a.SemanticEquals(b));
    }

    [Fact]
    public void Unknown_attribute_type_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => DistinguishedName.Parse("FOO=bar"));
        Assert.Null(DistinguishedName.TryParse("no equals sign"));
    }
}
