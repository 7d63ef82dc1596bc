namespace MssGateway.Host.Telemetry;

/// <summary>Options of /readyz (<c>Gateway:Health</c>).</summary>
public sealed class HealthOptions
{
    public const string Section = "Gateway:Health";

    /// <summary>
    /// Oldest acceptable last successful directory sync (DirectoryStatus.LastSuccessfulSync); older makes
    /// /readyz fail ("directory": stale). Unset: 26 hours for the Redis directory (a daily sync plus
    /// margin), no limit for the file directory (whose "sync" is the file's last load).
    /// </summary>
    public TimeSpan? DirectoryMaxAge { get; set; }

    /// <summary>Time each readiness check gets before it counts as failed (a hung Redis must not hang the probe).</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// When true (default), /readyz fails while a CRL or the trusted list is past nextUpdate + grace
    /// (the certificates of that CA are refused meanwhile). Set false to only alert (mssgw_trust_stale).
    /// </summary>
    public bool RequireFreshRevocation { get; set; } = true;

    public TimeSpan? EffectiveDirectoryMaxAge(DirectoryKind kind) =>
        DirectoryMaxAge ?? (kind == DirectoryKind.Redis ? TimeSpan.FromHours(26) : null);

    /// <summary>Problems, each naming its key and the fix (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DirectoryMaxAge is { } age && age <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Health:DirectoryMaxAge must be positive (e.g. \"1.02:00:00\"), or removed to use the default.");
        }

        if (CheckTimeout <= TimeSpan.Zero || CheckTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("Gateway:Health:CheckTimeout must be between 0 and 30 seconds (e.g. \"00:00:02\").");
        }

        return errors;
    }
}
