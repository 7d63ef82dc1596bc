using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MssGateway.Policy;

/// <summary>DI wiring of the end-of-data policy.</summary>
public static class MessagePolicyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MessagePolicyOptions"/> bound to <paramref name="section"/> of the host's <c>IConfiguration</c>
    /// (Gateway:Policy) with <c>BindConfiguration</c> and validated at start-up, <see cref="PolicyMetrics"/>, <see cref="SenderBindingPolicy"/> and the singleton <see cref="MessagePolicy"/>.
    /// The host registers <see cref="ISmimeSignerValidator"/> and <c>IMailboxDirectory</c>.
    /// </summary>
    public static IServiceCollection AddMessagePolicy(this IServiceCollection services, string section = MessagePolicyOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        services.AddOptions<MessagePolicyOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MessagePolicyOptions>, MessagePolicyOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PolicyMetrics>();
        services.TryAddSingleton<MssGateway.Trust.SenderBinding>();
        services.TryAddSingleton<SenderBindingPolicy>();
        services.TryAddSingleton<MessagePolicy>();
        return services;
    }
}
