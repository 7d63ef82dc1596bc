namespace MssGateway.Delivery.Tests;

/// <summary>
/// Issue 12 rule 8, DSN side: ENVID and ORCPT come from the client; whatever a spool holds, what is not
/// printable US-ASCII reaches a DSN header only as xtext escapes, so no client octet ends a header line.
/// </summary>
public sealed class DsnClientTextTests
{
    [Theory]
    [InlineData("QQ+7=ok", "QQ+7=ok")]
    [InlineData("abc\r\nX-Injected: yes", "abc+0D+0AX-Injected:+20yes")]
    [InlineData("\u001b[2J", "+1B[2J")]
    [InlineData("café", "caf+C3+A9")]
    public void Client_values_are_written_as_they_are_when_printable_and_as_xtext_otherwise(string value, string written)
    {
        Assert.Equal(written, DsnWriter.ClientText(value));
    }
}
