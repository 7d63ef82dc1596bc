using System.Collections.Frozen;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// Runs every registered <see cref="IReadinessCheck"/> concurrently, each bounded by
/// Gateway:Health:CheckTimeout (a check that times out or throws fails), and keeps the last results
/// for the <c>mssgw_readiness_check</c> gauge.
/// </summary>
public sealed class ReadinessEvaluator
{
    private readonly IReadinessCheck[] _checks;
    private readonly HealthOptions _options;
    private volatile FrozenDictionary<string, ReadinessResult> _last = FrozenDictionary<string, ReadinessResult>.Empty;

    public ReadinessEvaluator(IEnumerable<IReadinessCheck> checks, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(checks);
        _checks = checks.ToArray();
        _options = options;
        var duplicate = _checks.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two readiness checks are named '{duplicate.Key}': names must be unique (they are JSON keys and metric labels).");
        }
    }

    public IReadOnlyDictionary<string, ReadinessResult> LastResults => _last;

    public async Task<IReadOnlyDictionary<string, ReadinessResult>> EvaluateAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(_checks.Select(c => RunAsync(c, cancellationToken)));
        var map = results.ToFrozenDictionary(r => r.Name, r => r.Result, StringComparer.Ordinal);
        _last = map;
        return map;
    }

    private async Task<(string Name, ReadinessResult Result)> RunAsync(IReadinessCheck check, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CheckTimeout);
        try
        {
            return (check.Name, await check.CheckAsync(timeout.Token).AsTask().WaitAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (check.Name, ReadinessResult.Fail("timed out"));
        }
#pragma warning disable CA1031 // A faulty check must fail readiness, not break the probe; the type names the fault.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return (check.Name, ReadinessResult.Fail("check failed: " + ex.GetType().Name));
        }
    }
}
