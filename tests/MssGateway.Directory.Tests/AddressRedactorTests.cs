namespace MssGateway.Directory.Tests;

/// <summary>Issue 12 rule 9: addresses in logs are keyed hashes when hashing is on, also inside free text.</summary>
public sealed class AddressRedactorTests
{
    private static readonly AddressRedactor Hashing = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public void An_address_is_rendered_as_a_keyed_hash_of_its_normal_form()
    {
        var hash = Hashing.Render("Bob@Hopital.MSSante.test");

        Assert.Matches("^h:[0-9a-f]{16}$", hash);
        Assert.Equal(hash, Hashing.Render("bob@hopital.mssante.test"));
        Assert.NotEqual(hash, new AddressRedactor(new byte[32]).Render("bob@hopital.mssante.test"));
        Assert.Equal(string.Empty, Hashing.Render(string.Empty));
    }

    [Theory]
    [InlineData("550 5.1.1 <bob@x.test>: Recipient address rejected: User unknown", "550 5.1.1 <{0}>: Recipient address rejected: User unknown")]
    [InlineData("550 5.1.1 bob@x.test... User unknown", "550 5.1.1 {0}... User unknown")]
    [InlineData("550 RCPT TO:<bob@x.test> refused", "550 RCPT TO:<{0}> refused")]
    [InlineData("452 4.2.2 mailbox full for bob@x.test.", "452 4.2.2 mailbox full for {0}.")]
    [InlineData("550 5.7.1 (bob@x.test) blocked, see https://help.x.test/a", "550 5.7.1 ({0}) blocked, see https://help.x.test/a")]
    public void Addresses_inside_a_remote_reply_are_hashed_and_the_rest_is_kept(string reply, string expected)
    {
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, Hashing.Render("bob@x.test")), Hashing.RedactText(reply));
    }

    [Fact]
    public void A_quoted_local_part_is_hashed_whole_so_no_name_leaks()
    {
        var redacted = Hashing.RedactText("550 5.1.1 <\"Dupont Marie\"@x.test>: unknown");

        Assert.DoesNotContain("Dupont", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("Marie", redacted, StringComparison.Ordinal);
        Assert.Equal($"550 5.1.1 <{Hashing.Render("\"Dupont Marie\"@x.test")}>: unknown", redacted);
    }

    [Fact]
    public void An_emailAddress_attribute_in_a_certificate_subject_is_hashed()
    {
        var redacted = Hashing.RedactText("E=dr.dupont@hopital.mssante.test, CN=810100000008, C=FR");

        Assert.DoesNotContain("dr.dupont", redacted, StringComparison.Ordinal);
        Assert.EndsWith(", CN=810100000008, C=FR", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_hashing_text_and_addresses_are_kept()
    {
        Assert.Equal("550 5.1.1 <bob@x.test>: unknown", AddressRedactor.Clear.RedactText("550 5.1.1 <bob@x.test>: unknown"));
        Assert.Equal("bob@x.test", AddressRedactor.Clear.Render("bob@x.test"));
        Assert.Null(Hashing.RedactText(null));
    }

    [Fact]
    public void A_key_shorter_than_16_octets_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new AddressRedactor(new byte[8]));
    }
}
