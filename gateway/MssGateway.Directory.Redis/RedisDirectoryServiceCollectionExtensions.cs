using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MssGateway.Directory.Redis;

/// <summary>Wires the Redis-backed directory into a host.</summary>
public static class RedisDirectoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IMailboxDirectory"/> as a <see cref="RedisMailboxDirectory"/> bound to
    /// <paramref name="section"/> of the host's <c>IConfiguration</c> (normally <c>Gateway:Directory:Redis</c>), plus
    /// <see cref="RedisDirectoryMetrics"/>. <see cref="RedisDirectoryOptions"/> are bound with
    /// <c>AddOptions().BindConfiguration(section).ValidateOnStart()</c> and <see cref="RedisDirectoryOptionsValidator"/>: a bad
    /// value stops start-up naming its key. The Redis connection is made when the directory is first resolved and
    /// retried in the background (AbortOnConnectFail=false), so the host starts and reports not-ready while Redis is down.
    /// </summary>
    public static IServiceCollection AddRedisMailboxDirectory(this IServiceCollection services, string section = "Gateway:Directory:Redis")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        var path = section;
        services.AddOptions<RedisDirectoryOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisDirectoryOptions>>(new RedisDirectoryOptionsValidator(path)));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RedisDirectoryOptions>>().Value);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<RedisDirectoryOptions>();
            return new RedisMailboxDirectory(
                ConnectionMultiplexer.Connect(RedisDirectoryConnection.BuildConfiguration(options, path)),
                options,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<RedisMailboxDirectory>>(),
                ownsConnection: true);
        });
        services.AddSingleton<IMailboxDirectory>(sp => sp.GetRequiredService<RedisMailboxDirectory>());
        services.AddSingleton(sp => new RedisDirectoryMetrics(sp.GetRequiredService<RedisMailboxDirectory>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
