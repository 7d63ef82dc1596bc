using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>Wiring of queue and delivery into the host.</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DeliveryOptions"/> bound to <paramref name="section"/> of the host's <c>IConfiguration</c>
    /// (<c>Gateway:Delivery</c>) with <c>BindConfiguration</c> and validated at start-up, the scheduler as a hosted service and as <see cref="IDeliveryScheduler"/>,
    /// routing, the SMTP/LMTP transports, DSNs, metrics and <see cref="QueueCommand"/>. The host must
    /// register <c>MessageSpool</c>, <c>IMailboxDirectory</c> and <see cref="IPeerCertificateValidator"/>
    /// (the trust engine's adapter); <see cref="IMxResolver"/> defaults to DNS and <c>TimeProvider</c> to the system clock.
    /// </summary>
    public static IServiceCollection AddMssDelivery(this IServiceCollection services, string section = DeliveryOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        services.AddOptions<DeliveryOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(MssGateway.Directory.AddressRedactor.Clear); // the host registers the configured one first
        services.TryAddSingleton<IMxResolver, DnsMxResolver>();
        services.TryAddSingleton<ClientCertificateSource>();
        services.TryAddSingleton<DeliveryMetrics>();
        services.TryAddSingleton<RecipientRouter>();
        services.TryAddSingleton(sp => new DestinationTable(
            sp.GetRequiredService<IOptionsMonitor<DeliveryOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DestinationTable>>()));
        services.TryAddSingleton<INextHopTransport>(sp => new SmtpDeliveryClient(
            sp.GetRequiredService<IOptionsMonitor<DeliveryOptions>>(), sp.GetRequiredService<IMxResolver>(), sp.GetRequiredService<IPeerCertificateValidator>(),
            sp.GetRequiredService<ClientCertificateSource>(), sp.GetRequiredService<DeliveryMetrics>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SmtpDeliveryClient>>()));
        services.TryAddSingleton<DsnWriter>();
        services.TryAddSingleton(sp => new MessageDelivery(
            sp.GetRequiredService<MessageSpool>(), sp.GetRequiredService<RecipientRouter>(), sp.GetRequiredService<INextHopTransport>(), sp.GetRequiredService<DsnWriter>(),
            sp.GetRequiredService<DestinationTable>(), sp.GetRequiredService<DeliveryMetrics>(), sp.GetRequiredService<IOptionsMonitor<DeliveryOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MessageDelivery>>(), sp.GetRequiredService<MssGateway.Directory.AddressRedactor>(),
            sp.GetService<MssGateway.Journal.IExchangeJournal>()));
        services.TryAddSingleton(sp => new DeliveryScheduler(
            sp.GetRequiredService<MessageSpool>(), sp.GetRequiredService<MessageDelivery>(), sp.GetRequiredService<RecipientRouter>(), sp.GetRequiredService<DestinationTable>(),
            sp.GetRequiredService<DeliveryMetrics>(), sp.GetRequiredService<IOptionsMonitor<DeliveryOptions>>(), sp.GetRequiredService<ClientCertificateSource>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DeliveryScheduler>>()));
        services.TryAddSingleton<IDeliveryScheduler>(sp => sp.GetRequiredService<DeliveryScheduler>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryScheduler>());
        services.TryAddTransient<QueueCommand>();
        return services;
    }
}
