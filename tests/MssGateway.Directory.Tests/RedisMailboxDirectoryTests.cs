using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MssGateway.Directory.Redis;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests;

/// <summary>The gateway's Redis directory: cache invalidation by pub/sub, staleness, unreachable Redis.</summary>
public sealed class RedisMailboxDirectoryTests : IClassFixture<RedisFixture>, IDisposable
{
    private readonly RedisFixture _f;
    private readonly TempDirectory _dir = new("mssgw-reader");

    public RedisMailboxDirectoryTests(RedisFixture fixture)
    {
        _f = fixture;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_new_generation_clears_the_local_cache_through_pub_sub()
    {
        var a = await WriteAsync("a.txt", "A");
        var b = await WriteAsync("b.txt", "B");
        await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ps", a));

        // Pointer refresh every hour: only the pub/sub message can tell this reader about the new generation.
        await using var reader = SyncHarness.Reader(_f.Connection, "ps", refresh: TimeSpan.FromHours(1));
        var address = DirectoryDataGenerator.Address(4);
        Assert.Equal("A", (await reader.FindByAddressAsync(address, CancellationToken.None))?.Profession);
        await reader.Subscription; // the SUBSCRIBE must reach the server before the publish

        await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ps", b));

        string? seen = null;
        for (var i = 0; i < 100 && seen != "B"; i++)
        {
            seen = (await reader.FindByAddressAsync(address, CancellationToken.None))?.Profession;
            await Task.Delay(50);
        }

        Assert.Equal("B", seen);
    }

    [Fact]
    public async Task Status_reports_a_stale_directory_when_the_last_sync_is_older_than_max_age()
    {
        var a = await WriteAsync("stale.txt", "A");
        await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "st", a));
        var clock = new ManualTime(DateTimeOffset.UtcNow);
        await using var reader = SyncHarness.Reader(_f.Connection, "st", time: clock, maxAge: TimeSpan.FromHours(2));

        var fresh = await reader.GetStatusAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(3));
        reader.Invalidate();
        var stale = await reader.GetStatusAsync(CancellationToken.None);

        Assert.True(fresh.Reachable);
        Assert.Null(fresh.Error);
        Assert.True(stale.Reachable);
        Assert.Contains("stale", stale.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_before_any_sync_says_no_generation_and_is_not_ready()
    {
        await using var reader = SyncHarness.Reader(_f.Connection, "empty");

        var status = await reader.GetStatusAsync(CancellationToken.None);

        Assert.True(status.Reachable);
        Assert.Contains("no directory generation", status.Error, StringComparison.Ordinal);
        Assert.Null(await reader.FindByAddressAsync("x@y.test", CancellationToken.None));
    }

    [Fact]
    public async Task Status_says_unreachable_when_redis_is_down_and_lookups_throw()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{FreePort.Next()}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 500;
        options.AsyncTimeout = 500;
        await using var down = await ConnectionMultiplexer.ConnectAsync(options);
        await using var reader = SyncHarness.Reader(down, "down");

        var status = await reader.GetStatusAsync(CancellationToken.None);

        Assert.False(status.Reachable);
        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await reader.FindByAddressAsync("x@y.test", CancellationToken.None));
    }

    /// <summary>
    /// The directory contract with a real redis-server stopped under a reader that has already read from it:
    /// every lookup throws <see cref="DirectoryUnavailableException"/> (wrapping the Redis failure) and nothing
    /// of StackExchange.Redis reaches the caller, so the gateway answers 451 4.4.3 wherever it asked.
    /// </summary>
    [Fact]
    public async Task Every_lookup_throws_DirectoryUnavailableException_once_redis_is_stopped()
    {
        var redis = await RedisServer.StartAsync();
        var stopped = false;
        try
        {
            var flat = await WriteAsync("stop.txt", "S");
            await using (var writer = await redis.ConnectAsync())
            {
                await SyncHarness.RunAsync(writer, SyncHarness.FlatFileOptions(redis.Configuration, "stop", flat));
            }

            var options = ConfigurationOptions.Parse(redis.Configuration);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 500;
            options.AsyncTimeout = 500;
            options.SyncTimeout = 500;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
            await using var reader = new RedisMailboxDirectory(connection, new RedisDirectoryOptions { KeyPrefix = "stop", CacheSize = 0, PointerRefreshInterval = TimeSpan.FromMilliseconds(1) });
            Assert.NotNull(await reader.FindByAddressAsync(DirectoryDataGenerator.Address(4), CancellationToken.None));

            await redis.DisposeAsync();
            stopped = true;

            var lookups = new Func<Task>[]
            {
                async () => await reader.FindByAddressAsync(DirectoryDataGenerator.Address(4), CancellationToken.None),
                async () => await reader.FindByNationalIdentifierAsync("899700000004", CancellationToken.None),
                async () => await reader.FindAuthorisedDomainAsync("a.mssante.test", CancellationToken.None),
                async () => await reader.GetOperatorCertificateSubjectsAsync(CancellationToken.None),
            };
            foreach (var lookup in lookups)
            {
                var ex = await Assert.ThrowsAsync<DirectoryUnavailableException>(lookup);
                Assert.True(ex.InnerException is RedisException or TimeoutException, ex.ToString());
            }

            Assert.False((await reader.GetStatusAsync(CancellationToken.None)).Reachable);
        }
        finally
        {
            if (!stopped)
            {
                await redis.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AddRedisMailboxDirectory_wires_the_redis_directory_from_its_configuration_section()
    {
        var a = await WriteAsync("di.txt", "A");
        await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "di", a));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Directory:Kind"] = "Redis",
            ["Gateway:Directory:Redis:Configuration"] = _f.Redis.Configuration,
            ["Gateway:Directory:Redis:KeyPrefix"] = "di",
            ["Gateway:Directory:Redis:MaxAge"] = "02:00:00",
        }).Build();
        var services = new ServiceCollection();

        services.AddSingleton<IConfiguration>(configuration).AddRedisMailboxDirectory();
        await using var provider = services.BuildServiceProvider();
        var directory = provider.GetRequiredService<IMailboxDirectory>();

        Assert.IsType<RedisMailboxDirectory>(directory);
        Assert.Equal("A", (await directory.FindByAddressAsync(DirectoryDataGenerator.Address(4), CancellationToken.None))?.Profession);
        var status = await directory.GetStatusAsync(CancellationToken.None);
        Assert.True(status.Reachable && status.Error is null);
    }

    [Fact]
    public void AddRedisMailboxDirectory_refuses_a_section_without_configuration_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Directory:Redis:KeyPrefix"] = "x" }).Build();
        var services = new ServiceCollection();

        services.AddSingleton<IConfiguration>(configuration).AddRedisMailboxDirectory();
        using var provider = services.BuildServiceProvider();

        // ValidateOnStart: the host's start-up validation reports it with the other configuration errors.
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisDirectoryOptions>>().Value);
        Assert.Contains(ex.Failures, f => f.StartsWith("Gateway:Directory:Redis:Configuration is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_settings_name_the_configuration_key()
    {
        var ex = Assert.Throws<RedisDirectoryConfigurationException>(() => new RedisDirectoryOptions { Configuration = "r:6379", PasswordFile = "/nonexistent/redis-password" }.Validate("Gateway:Directory:Redis"));
        Assert.Contains("Gateway:Directory:Redis:PasswordFile", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bucket_function_is_stable()
    {
        // Readers and writers of different versions must agree: this value must never change.
        Assert.Equal(RedisDirectoryKeys.BucketOf("dr.martin@ch-test.mssante.fr", 1024), RedisDirectoryKeys.BucketOf("dr.martin@ch-test.mssante.fr", 1024));
        Assert.Equal(0x811C9DC5u % 1024, (uint)RedisDirectoryKeys.BucketOf(string.Empty, 1024));
    }

    private async Task<string> WriteAsync(string name, string profession)
    {
        var path = _dir.Combine(name);
        await using var w = new StreamWriter(path);
        DirectoryDataGenerator.WriteFlatFile(w, 100, profession: profession);
        return path;
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
