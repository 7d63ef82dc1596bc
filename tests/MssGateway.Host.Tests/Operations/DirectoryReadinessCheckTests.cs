using MssGateway.Directory;
using MssGateway.Host.Telemetry;

namespace MssGateway.Host.Tests.Operations;

/// <summary>The "directory" readiness check: reachable, and synchronised within Gateway:Health:DirectoryMaxAge.</summary>
public sealed class DirectoryReadinessCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);

    private static ValueTask<ReadinessResult> CheckAsync(DirectoryStatus status, DirectoryKind kind, TimeSpan? maxAge) =>
        new DirectoryReadinessCheck(new StatusOnlyDirectory(status), new HealthOptions { DirectoryMaxAge = maxAge }, new GatewayOptions { Directory = { Kind = kind } }, new FixedTime(Now))
            .CheckAsync(CancellationToken.None);

    [Fact]
    public async Task Unreachable_directory_is_not_ready()
    {
        var r = await CheckAsync(new DirectoryStatus { Reachable = false, Error = "connection refused" }, DirectoryKind.Redis, null);
        Assert.False(r.Ready);
        Assert.Contains("connection refused", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_directory_older_than_26_hours_by_default_is_not_ready()
    {
        Assert.False((await CheckAsync(new DirectoryStatus { Reachable = true, LastSuccessfulSync = Now.AddHours(-27) }, DirectoryKind.Redis, null)).Ready);
        Assert.True((await CheckAsync(new DirectoryStatus { Reachable = true, LastSuccessfulSync = Now.AddHours(-25) }, DirectoryKind.Redis, null)).Ready);
    }

    [Fact]
    public async Task Redis_directory_never_synchronised_is_not_ready()
    {
        var r = await CheckAsync(new DirectoryStatus { Reachable = true }, DirectoryKind.Redis, null);
        Assert.False(r.Ready);
        Assert.StartsWith("never", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_directory_has_no_age_limit_unless_configured()
    {
        Assert.True((await CheckAsync(new DirectoryStatus { Reachable = true, LastSuccessfulSync = Now.AddDays(-30) }, DirectoryKind.File, null)).Ready);
        Assert.False((await CheckAsync(new DirectoryStatus { Reachable = true, LastSuccessfulSync = Now.AddHours(-2) }, DirectoryKind.File, TimeSpan.FromHours(1))).Ready);
    }

    [Fact]
    public void Non_positive_DirectoryMaxAge_is_a_configuration_error_naming_the_key()
    {
        var errors = new HealthOptions { DirectoryMaxAge = TimeSpan.Zero }.Validate();
        Assert.Contains(errors, e => e.Contains("Gateway:Health:DirectoryMaxAge", StringComparison.Ordinal));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class StatusOnlyDirectory(DirectoryStatus status) : IMailboxDirectory
    {
        public ValueTask<MailboxEntry?> FindByAddressAsync(string address, CancellationToken cancellationToken) => ValueTask.FromResult<MailboxEntry?>(null);

        public ValueTask<IReadOnlyList<MailboxEntry>> FindByNationalIdentifierAsync(string nationalIdentifier, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<MailboxEntry>>([]);

        public ValueTask<AuthorisedDomain?> FindAuthorisedDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult<AuthorisedDomain?>(null);

        public ValueTask<DirectoryStatus> GetStatusAsync(CancellationToken cancellationToken) => ValueTask.FromResult(status);
    }
}
