using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MssGateway.Directory.Redis;

/// <summary>Wires the Redis-backed directory into a host.</summary>
public static class RedisDirectoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IMailboxDirectory"/> as a <see cref="RedisMailboxDirectory"/> bound to
    /// <paramref name="section"/> (normally <c>Gateway:Directory:Redis</c>), plus
    /// <see cref="RedisDirectoryMetrics"/>. Options are validated here: a bad value throws
    /// <see cref="RedisDirectoryConfigurationException"/> naming the key. The Redis connection is made
    /// lazily and retried in the background (AbortOnConnectFail=false), so the host starts and reports
    /// not-ready while Redis is down.
    /// </summary>
    public static IServiceCollection AddRedisMailboxDirectory(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var options = new RedisDirectoryOptions();
        section.Bind(options);
        var path = section is IConfigurationSection s ? s.Path : "Gateway:Directory:Redis";
        var config = RedisDirectoryConnection.BuildConfiguration(options, path);
        services.AddSingleton(options);
        services.AddSingleton(sp => new RedisMailboxDirectory(
            ConnectionMultiplexer.Connect(config),
            options,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<RedisMailboxDirectory>>(),
            ownsConnection: true));
        services.AddSingleton<IMailboxDirectory>(sp => sp.GetRequiredService<RedisMailboxDirectory>());
        services.AddSingleton(sp => new RedisDirectoryMetrics(sp.GetRequiredService<RedisMailboxDirectory>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
