using MssGateway.Fuzzing;

namespace MssGateway.Host.Tests.Fuzzing;

/// <summary>
/// Keeps the fuzz harnesses of bench/fuzz honest in CI (the afl-fuzz runs themselves are not in CI):
/// every target runs its whole seed corpus in process, crashes on none, and accepts at least one
/// seed, so a harness that no longer reaches its parser (or a parser change that breaks it) fails
/// here rather than in the next fuzzing campaign. Inputs that are not the format at all do not
/// crash any target either.
/// </summary>
public sealed class FuzzSeedCorpusTests : IClassFixture<FuzzSeedCorpusTests.SharedContext>
{
    private readonly FuzzContext _context;

    public FuzzSeedCorpusTests(SharedContext shared)
    {
        _context = shared.Context;
    }

    public static TheoryData<string> Targets => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_of_the_target_runs_without_a_crash_and_one_at_least_is_accepted(string name)
    {
        var target = FuzzTargets.Create(name, _context);
        try
        {
            var outcomes = FuzzTargets.Seeds(target).Select(seed => (seed.Key, Outcome: target.Run(seed.Value))).ToList();

            Assert.True(outcomes.Count >= 2, $"{name}: {outcomes.Count} seeds");
            Assert.Contains(outcomes, o => o.Outcome == FuzzOutcome.Accepted);
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Input_that_is_not_the_format_does_not_crash_the_target(string name)
    {
        var target = FuzzTargets.Create(name, _context);
        try
        {
            foreach (var input in new[] { Array.Empty<byte>(), "\0\0\0"u8.ToArray(), "<<<>>>\r\n--\r\n0\x81\xff"u8.ToArray(), [0x30, 0x84, 0xff, 0xff, 0xff, 0xff] })
            {
                // An empty message is a fine message to the policy: only "no exception" holds for every target.
                Assert.True(Enum.IsDefined(target.Run(input)));
            }
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }

    /// <summary>One PKI (keys made at run time) and scratch folder for the class.</summary>
    public sealed class SharedContext : IDisposable
    {
        public FuzzContext Context { get; } = new();

        public void Dispose() => Context.Dispose();
    }
}
