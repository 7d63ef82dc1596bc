using System.Text;

namespace MssGateway.Policy.Tests;

/// <summary>The parser is bounded: nesting depth, part count and header block size (mime_too_complex).</summary>
public sealed class MimeBombTests : IDisposable
{
    private readonly PolicyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Deeply_nested_multiparts_are_refused_with_554_5_6_0_mime_too_complex()
    {
        var verdict = await _harness.EvaluateAsync(NestedMultiparts(200));

        Assert.Equal("mime_too_complex", verdict.RefusalReason);
    }

    [Fact]
    public async Task Nesting_within_the_limit_is_accepted()
    {
        var verdict = await _harness.EvaluateAsync(NestedMultiparts(20));

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Deeply_nested_forwarded_messages_are_refused()
    {
        var sb = new StringBuilder(TestMessages.Headers);
        for (var i = 0; i < 60; i++)
        {
            sb.Append("Content-Type: message/rfc822\r\n\r\nFrom: a@b.test\r\nSubject: fwd\r\n");
        }

        sb.Append("Content-Type: text/plain\r\n\r\nfin\r\n");

        var verdict = await _harness.EvaluateAsync(TestMessages.Ascii(sb.ToString()));

        Assert.Equal("mime_too_complex", verdict.RefusalReason);
    }

    [Fact]
    public async Task Too_many_parts_are_refused()
    {
        var sb = new StringBuilder(TestMessages.Headers).Append("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for (var i = 0; i < 5000; i++)
        {
            sb.Append("--b\r\n\r\nx\r\n");
        }

        sb.Append("--b--\r\n");

        var verdict = await _harness.EvaluateAsync(TestMessages.Ascii(sb.ToString()));

        Assert.Equal("mime_too_complex", verdict.RefusalReason);
        Assert.Equal(1001, verdict.MimeParts);
    }

    [Fact]
    public async Task An_oversized_header_block_is_refused()
    {
        var sb = new StringBuilder(TestMessages.Headers).Append("X-Padding: a");
        for (var i = 0; i < 4000; i++)
        {
            sb.Append("\r\n ").Append('x', 76);
        }

        sb.Append("\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n");

        var verdict = await _harness.EvaluateAsync(TestMessages.Ascii(sb.ToString()));

        Assert.Equal("mime_too_complex", verdict.RefusalReason);
    }

    [Fact]
    public async Task An_oversized_part_header_block_deep_in_the_message_is_refused()
    {
        var sb = new StringBuilder(TestMessages.Headers).Append("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n");
        for (var i = 0; i < 4000; i++)
        {
            sb.Append("X-P").Append(i).Append(": ").Append('y', 70).Append("\r\n");
        }

        sb.Append("Content-Type: text/plain\r\n\r\nx\r\n--b--\r\n");

        var verdict = await _harness.EvaluateAsync(TestMessages.Ascii(sb.ToString()));

        Assert.Equal("mime_too_complex", verdict.RefusalReason);
    }

    [Fact]
    public async Task A_single_huge_folded_header_field_is_refused_before_it_is_read_whole()
    {
        var sb = new StringBuilder(TestMessages.Headers).Append("X-Padding: a");
        for (var i = 0; i < 60_000; i++)
        {
            sb.Append("\r\n ").Append('x', 76);
        }

        sb.Append("\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n");
        var message = TestMessages.Ascii(sb.ToString());
        Assert.True(message.Length > 4_000_000);

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Equal("mime_too_complex", verdict.RefusalReason);
    }

    private static byte[] NestedMultiparts(int depth)
    {
        var sb = new StringBuilder(TestMessages.Headers);
        for (var i = 0; i < depth; i++)
        {
            sb.Append("Content-Type: multipart/mixed; boundary=\"b").Append(i).Append("\"\r\n\r\n--b").Append(i).Append("\r\n");
        }

        sb.Append("Content-Type: text/plain\r\n\r\nfin\r\n");
        for (var i = depth - 1; i >= 0; i--)
        {
            sb.Append("--b").Append(i).Append("--\r\n");
        }

        return TestMessages.Ascii(sb.ToString());
    }
}
