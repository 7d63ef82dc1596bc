using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MssGateway.Telemetry;
using MssGateway.Smtp;
using Prometheus;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// Wiring of observability into the host (issue 7): the "MssGateway" meter exported on /metrics under
/// its exact names, /healthz and /readyz with named checks, and the graceful SIGTERM life cycle.
/// GatewayProgram calls <see cref="AddGatewayTelemetry"/> after its own services and
/// <see cref="MapGatewayTelemetry"/> after Build().
/// </summary>
public static class GatewayTelemetry
{
    /// <summary>
    /// Registers the exporter, host metrics, readiness checks and shutdown timing; <see cref="HealthOptions"/> and
    /// <see cref="GracefulShutdownOptions"/> are bound with <c>AddOptions().BindConfiguration().ValidateOnStart()</c>
    /// and their validators (a bad value stops start-up naming its key).
    /// </summary>
    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var services = builder.Services;
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>());
        services.AddOptions<GracefulShutdownOptions>().BindConfiguration(GracefulShutdownOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GracefulShutdownOptions>, GracefulShutdownOptionsValidator>());
        if (builder.Environment.IsDevelopment() && builder.Configuration[GracefulShutdownOptions.Section + ":ReadinessDelay"] is null)
        {
            // Dev mode (./run.sh) has no load balancer to wait for: Ctrl-C stops at once.
            services.PostConfigure<GracefulShutdownOptions>(o => o.ReadinessDelay = TimeSpan.Zero);
        }

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<HealthOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<GracefulShutdownOptions>>().Value);
        services.AddSingleton<IReadinessCheck, ListenersReadinessCheck>();
        services.AddSingleton<IReadinessCheck, DrainingReadinessCheck>();
        services.AddSingleton<IReadinessCheck, SpoolReadinessCheck>();
        services.AddSingleton<IReadinessCheck, DirectoryReadinessCheck>();
        services.AddSingleton<IReadinessCheck, TrustReadinessCheck>();
        services.AddSingleton<ReadinessEvaluator>();
        services.AddSingleton(sp => new HostMetrics(
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(), options,
            sp.GetRequiredService<MssGateway.Spool.MessageSpool>(), sp.GetRequiredService<SpoolSpace>(), sp.GetRequiredService<ReadinessEvaluator>()));
        services.AddSingleton(_ => new MeterPrometheusBridge(SmtpMetrics.MeterName, Metrics.DefaultRegistry));
        services.AddHostedService<GracefulShutdown>();

        // Readiness delay first, then the drain: the host's stop budget covers both.
        services.AddOptions<HostOptions>().Configure<IOptions<GracefulShutdownOptions>>((h, shutdown) => h.ShutdownTimeout = shutdown.Value.ReadinessDelay + shutdown.Value.DrainTimeout);
        return builder;
    }

    /// <summary>Maps /healthz, /readyz and /metrics, and starts exporting the "MssGateway" meter.</summary>
    public static WebApplication MapGatewayTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        MeterPrometheusBridge.LimitDefaultAdapters();
        var bridge = app.Services.GetRequiredService<MeterPrometheusBridge>();
        _ = app.Services.GetRequiredService<HostMetrics>();
        _ = app.Services.GetRequiredService<SmtpMetrics>();
        var readiness = app.Services.GetRequiredService<ReadinessEvaluator>();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(async cancellationToken =>
        {
            // Readiness first so mssgw_readiness_check reports this scrape's evaluation.
            await readiness.EvaluateAsync(cancellationToken);
            bridge.RecordObservables();
        });

        HealthEndpoints.Map(app);
        app.UseHttpMetrics();
        app.MapMetrics("/metrics");
        return app;
    }
}
