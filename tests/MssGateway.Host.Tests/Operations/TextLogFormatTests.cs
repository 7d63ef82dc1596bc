namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.3: Gateway:Logging:Format=Text (dev) writes one plain line per event.</summary>
public sealed class TextLogFormatTests
{
    [Fact]
    public async Task Text_format_writes_one_plain_line_per_session_end_without_subject_or_body()
    {
        var secret = "Secret-" + Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayProcess.StartAsync(logFormat: "Text");
        Assert.Contains("queued as", await TestMail.SendAsync(gateway, TestMail.Recipient, secret, secret), StringComparison.Ordinal);
        await gateway.SendSigtermAsync();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(40)));

        var sessionEnd = Assert.Single(gateway.StdOutLines, l => l.Contains("GatewaySessionHooks[1]", StringComparison.Ordinal));
        Assert.False(sessionEnd.TrimStart().StartsWith('{'));
        Assert.Contains("client=127.0.0.1", sessionEnd, StringComparison.Ordinal);
        Assert.Contains("last_reply=221", sessionEnd, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, gateway.AllOutput, StringComparison.Ordinal);
    }
}
