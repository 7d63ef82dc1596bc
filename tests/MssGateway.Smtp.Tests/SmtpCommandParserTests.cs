namespace MssGateway.Smtp.Tests;

/// <summary>MAIL/RCPT argument parsing (RFC 5321 §4.1.2, RFC 1870, 3461, 6152, 6531).</summary>
public sealed class SmtpCommandParserTests
{
    [Theory]
    [InlineData("FROM:<a@b.test>", "a@b.test")]
    [InlineData("FROM: <a@b.test>", "a@b.test")]
    [InlineData("from:<\"john doe\"@b.test>", "\"john doe\"@b.test")]
    [InlineData("FROM:<@relay.test,@other.test:a@b.test>", "a@b.test")]
    [InlineData("FROM:<a@[192.0.2.1]>", "a@[192.0.2.1]")]
    [InlineData("FROM:<>", "")]
    public void Valid_reverse_paths_parse(string args, string expected)
    {
        Assert.Null(SmtpCommandParser.ParseMailFrom(args, out var mail));
        Assert.Equal(expected, mail!.Address);
    }

    [Fact]
    public void Mail_parameters_are_read()
    {
        Assert.Null(SmtpCommandParser.ParseMailFrom("FROM:<a@b.test> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=x+2By", out var mail));
        Assert.Equal(12345, mail!.DeclaredSize);
        Assert.Equal(SmtpBodyType.EightBitMime, mail.Body);
        Assert.True(mail.SmtpUtf8);
        Assert.Equal(DsnReturn.Full, mail.Ret);
        Assert.Equal("x+y", mail.EnvelopeId);
    }

    [Fact]
    public void Notify_never_and_lists_parse()
    {
        Assert.Null(SmtpCommandParser.ParseRcptTo("TO:<a@b.test> NOTIFY=NEVER", false, out var never));
        Assert.Equal(DsnNotify.Never, never!.Notify);
        Assert.Null(SmtpCommandParser.ParseRcptTo("TO:<a@b.test> NOTIFY=DELAY,FAILURE", false, out var list));
        Assert.Equal(DsnNotify.Delay | DsnNotify.Failure, list!.Notify);
    }

    [Fact]
    public void Local_part_over_64_octets_is_refused()
    {
        var reply = SmtpCommandParser.ParseMailFrom($"FROM:<{new string('a', 65)}@b.test>", out _);
        Assert.Equal("5.1.3", reply!.EnhancedCode);
    }

    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("a+2Bb+3Dc", "a+b=c")]
    public void Xtext_round_trips(string xtext, string text)
    {
        Assert.Equal(text, SmtpCommandParser.DecodeXtext(xtext));
        Assert.Equal(xtext, SmtpCommandParser.EncodeXtext(text));
    }

    [Theory]
    [InlineData("a+2")]
    [InlineData("a=b")]
    [InlineData("a b")]
    public void Malformed_xtext_is_rejected(string xtext) => Assert.Null(SmtpCommandParser.DecodeXtext(xtext));

    [Fact]
    public void Every_refusal_text_carries_its_reason_label()
    {
        foreach (var reply in SmtpReplies.All.Where(r => !r.IsPositive))
        {
            Assert.EndsWith($"({reply.Reason})\r\n", reply.ToWire(), StringComparison.Ordinal);
        }
    }
}
