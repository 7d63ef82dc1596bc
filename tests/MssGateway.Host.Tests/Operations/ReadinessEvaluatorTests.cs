using Microsoft.Extensions.Configuration;
using MssGateway.Host.Telemetry;

namespace MssGateway.Host.Tests.Operations;

/// <summary>/readyz evaluation: every check named, a hung or faulty check fails instead of hanging the probe.</summary>
public sealed class ReadinessEvaluatorTests
{
    private static readonly HealthOptions Options = new() { CheckTimeout = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task A_check_that_does_not_answer_within_CheckTimeout_fails_as_timed_out()
    {
        var evaluator = new ReadinessEvaluator([new FixedCheck("fast", ReadinessResult.Pass("ok")), new HungCheck()], Options);
        var results = await evaluator.EvaluateAsync(CancellationToken.None);
        Assert.True(results["fast"].Ready);
        Assert.False(results["hung"].Ready);
        Assert.Equal("timed out", results["hung"].Detail);
        Assert.Equal(results, evaluator.LastResults);
    }

    [Fact]
    public async Task A_check_that_throws_fails_with_the_exception_type()
    {
        var evaluator = new ReadinessEvaluator([new ThrowingCheck()], Options);
        var result = (await evaluator.EvaluateAsync(CancellationToken.None))["throwing"];
        Assert.False(result.Ready);
        Assert.Contains(nameof(FormatException), result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_checks_with_one_name_are_refused_at_start_up()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ReadinessEvaluator([new FixedCheck("spool", ReadinessResult.Pass("a")), new FixedCheck("spool", ReadinessResult.Pass("b"))], Options));
        Assert.Contains("spool", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_health_and_shutdown_settings_are_reported_with_their_keys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Health:CheckTimeout"] = "00:05:00",
            ["Gateway:Shutdown:ReadinessDelay"] = "-00:00:01",
        }).Build();
        var health = new HealthOptionsValidator().Validate(null, configuration.GetSection(HealthOptions.Section).Get<HealthOptions>()!);
        var shutdown = new GracefulShutdownOptionsValidator().Validate(null, configuration.GetSection(GracefulShutdownOptions.Section).Get<GracefulShutdownOptions>()!);
        Assert.Contains(health.Failures!, e => e.StartsWith("Gateway:Health:CheckTimeout", StringComparison.Ordinal));
        Assert.Contains(shutdown.Failures!, e => e.StartsWith("Gateway:Shutdown:ReadinessDelay", StringComparison.Ordinal));
        Assert.True(new HealthOptionsValidator().Validate(null, new HealthOptions()).Succeeded);
        Assert.True(new GracefulShutdownOptionsValidator().Validate(null, new GracefulShutdownOptions()).Succeeded);
    }

    private sealed class FixedCheck(string name, ReadinessResult result) : IReadinessCheck
    {
        public string Name => name;

        public ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken) => ValueTask.FromResult(result);
    }

    private sealed class HungCheck : IReadinessCheck
    {
        public string Name => "hung";

        public async ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
        {
            // Ignores its token, like a client stuck in a socket read.
            await Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None);
            return ReadinessResult.Pass("late");
        }
    }

    private sealed class ThrowingCheck : IReadinessCheck
    {
        public string Name => "throwing";

        public ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken) => throw new FormatException("bad");
    }
}
