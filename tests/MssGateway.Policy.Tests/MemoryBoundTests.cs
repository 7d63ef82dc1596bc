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
}
