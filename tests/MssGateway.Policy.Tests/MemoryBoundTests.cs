using MssGateway.Testing;
using Xunit.Abstractions;

namespace MssGateway.Policy.Tests;

/// <summary>Memory per message stays bounded whatever its size (DESIGN.md §3 "Size": the counting streams).</summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class MemoryBoundTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-policy-mem");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Parsing_a_50_MB_message_allocates_far_less_than_its_size()
    {
        var path = _dir.Combine("50mb.eml");
        TestMessages.WriteWithAttachments(path, "application/pdf", 12_000_000, 12_000_000, 12_000_000);
        var size = new FileInfo(path).Length;
        Assert.True(size > 48_000_000, $"message is {size} octets");
        using var harness = new PolicyHarness(settings: new Dictionary<string, string?> { ["MaxAttachmentBytes"] = "100000000" });
        await harness.EvaluateAsync(TestMessages.PlainText()); // warm-up: JIT and first-use allocations

        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var verdict = await harness.EvaluateFileAsync(path);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        output.WriteLine($"message {size:N0} octets, allocated {allocated:N0} bytes while evaluating it");
        Assert.Equal(36_000_000, verdict.AttachmentBytes);
        Assert.True(allocated < size / 10, $"allocated {allocated:N0} bytes for a {size:N0}-octet message");
    }

    [Fact]
    public async Task A_huge_folded_header_field_is_refused_without_being_materialised()
    {
        var path = _dir.Combine("header.eml");
        await using (var w = new StreamWriter(path, false, new System.Text.UTF8Encoding(false)))
        {
            await w.WriteAsync(TestMessages.Headers + "X-Padding: a");
            var fold = "\r\n " + new string('x', 76);
            for (var i = 0; i < 100_000; i++)
            {
                await w.WriteAsync(fold);
            }

            await w.WriteAsync("\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n");
        }

        var size = new FileInfo(path).Length;
        using var harness = new PolicyHarness();
        await harness.EvaluateAsync(TestMessages.PlainText());

        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var verdict = await harness.EvaluateFileAsync(path);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        output.WriteLine($"header field of {size:N0} octets, allocated {allocated:N0} bytes");
        Assert.Equal("mime_too_complex", verdict.RefusalReason);
        // MimeKit grows a field's buffer in small steps (quadratic): unguarded, this field costs 7.6 GB.
        Assert.True(allocated < 40_000_000, $"allocated {allocated:N0} bytes for a {size:N0}-octet header field");
    }
}
