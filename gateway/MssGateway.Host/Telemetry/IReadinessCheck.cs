namespace MssGateway.Host.Telemetry;

/// <summary>
/// One named condition of /readyz ("should this instance receive mail now?"). Register
/// implementations in DI (<c>services.AddSingleton&lt;IReadinessCheck, MyCheck&gt;()</c>); the trust
/// engine (CRL and trust-list freshness) and the Redis directory add theirs. A check must be cheap
/// (it runs on every probe and before every scrape) and must not throw for an expected failure:
/// return <see cref="ReadinessResult.Fail"/> with a short detail instead.
/// </summary>
public interface IReadinessCheck
{
    /// <summary>Stable name: a key of the /readyz JSON and the <c>check</c> label of <c>mssgw_readiness_check</c>.</summary>
    string Name { get; }

    ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken);
}
