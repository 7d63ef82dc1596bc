namespace MssGateway.Host.Telemetry;

/// <summary>Outcome of one <see cref="IReadinessCheck"/>: pass or fail, with a short detail for operators (no personal data).</summary>
public readonly record struct ReadinessResult(bool Ready, string Detail)
{
    public static ReadinessResult Pass(string detail) => new(true, detail);

    public static ReadinessResult Fail(string detail) => new(false, detail);
}
