using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MssGateway.Trust;

/// <summary>Registration of the trust component in the host.</summary>
public static class TrustServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TrustOptions"/> bound to <paramref name="section"/> of the host's <c>IConfiguration</c>
    /// (<c>Gateway:Trust</c>) with <c>BindConfiguration</c> and validated at start-up (<see cref="TrustOptionsValidator"/>), the singleton <see cref="CertificateTrustEngine"/> (also as
    /// <see cref="ICertificateTrustEngine"/>), <see cref="TrustMetrics"/>, <see cref="SenderBinding"/> (needs an
    /// <see cref="MssGateway.Directory.IMailboxDirectory"/>) and the <see cref="TrustRefreshService"/>.
    /// </summary>
    public static IServiceCollection AddMssTrust(this IServiceCollection services, string section = TrustOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        // An unknown key (a typo in HolderKinds, say) must stop start-up, not silently leave a default in place.
        services.AddOptions<TrustOptions>().BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrustOptions>, TrustOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<TrustMetrics>();
        services.AddHttpClient(nameof(CertificateTrustEngine))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.All });
        services.TryAddSingleton(sp => new CertificateTrustEngine(
            sp.GetRequiredService<IOptions<TrustOptions>>(),
            sp.GetRequiredService<TrustMetrics>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<CertificateTrustEngine>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(CertificateTrustEngine))));
        services.TryAddSingleton<ICertificateTrustEngine>(sp => sp.GetRequiredService<CertificateTrustEngine>());
        services.TryAddSingleton<SenderBinding>();
        services.AddHostedService<TrustRefreshService>();
        return services;
    }
}
