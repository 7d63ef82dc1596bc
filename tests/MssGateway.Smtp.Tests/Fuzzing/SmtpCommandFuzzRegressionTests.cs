using MssGateway.Testing;

namespace MssGateway.Smtp.Tests.Fuzzing;

/// <summary>
/// Inputs the fuzzer (bench/fuzz, target smtp-command) found, minimised: each is answered with the
/// precise reply, by the parser and by a running session (docs/security.md "Fuzzing").
/// </summary>
public sealed class SmtpCommandFuzzRegressionTests : IClassFixture<EngineHostFixture>
{
    private readonly EngineHost _host;

    public SmtpCommandFuzzRegressionTests(EngineHostFixture fixture)
    {
        _host = fixture.Host;
    }

    [Theory]
    [InlineData("FROM:<@relay.example,@other.example:>")]
    [InlineData("FROM:<@relay.example:>")]
    public void Reverse_path_with_a_source_route_and_no_mailbox_is_501_5_1_3(string arguments)
    {
        var reply = SmtpCommandParser.ParseMailFrom(arguments, out var mailFrom);

        Assert.Null(mailFrom);
        Assert.Equal(501, reply!.Code);
        Assert.Equal("5.1.3", reply.EnhancedCode);
    }

    [Fact]
    public void Forward_path_with_a_source_route_and_no_mailbox_is_501_5_1_3()
    {
        var reply = SmtpCommandParser.ParseRcptTo("TO:<@relay.example:>", smtpUtf8: false, out var recipient);

        Assert.Null(recipient);
        Assert.Equal(501, reply!.Code);
        Assert.Equal("5.1.3", reply.EnhancedCode);
    }

    [Fact]
    public async Task Source_route_without_a_mailbox_gets_501_and_the_session_goes_on()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);

        (await c.CommandAsync("MAIL FROM:<@relay.example,@other.example:>")).AssertCode(501, "5.1.3");
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<@relay.example:>")).AssertCode(501, "5.1.3");
        (await c.CommandAsync("NOOP")).AssertCode(250);
    }
}
