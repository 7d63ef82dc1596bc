using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MssGateway.Policy;

/// <summary>DI wiring of the end-of-data policy.</summary>
public static class MessagePolicyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MessagePolicyOptions"/> bound to <paramref name="section"/> (Gateway:Policy) and
    /// validated at start-up, <see cref="PolicyMetrics"/>, <see cref="SenderBindingPolicy"/> and the singleton <see cref="MessagePolicy"/>.
    /// The host registers <see cref="ISmimeSignerValidator"/> and <c>IMailboxDirectory</c>.
    /// </summary>
    public static IServiceCollection AddMessagePolicy(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<MessagePolicyOptions>().Bind(section).ValidateOnStart();
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
