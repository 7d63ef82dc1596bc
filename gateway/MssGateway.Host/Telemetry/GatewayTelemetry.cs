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
    /// <summary>Registers the exporter, host metrics, readiness checks and shutdown timing; fails on invalid Gateway:Health / Gateway:Shutdown.</summary>
    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var (health, shutdown) = Bind(builder.Configuration);
        if (builder.Environment.IsDevelopment() && builder.Configuration[GracefulShutdownOptions.Section + ":ReadinessDelay"] is null)
        {
            shutdown.ReadinessDelay = TimeSpan.Zero; // dev mode (./run.sh) has no load balancer to wait for: Ctrl-C stops at once
        }

        var errors = health.Validate().Concat(shutdown.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Configuration error(s): " + string.Join(" ", errors));
        }

        var services = builder.Services;
        services.AddSingleton(health);
        services.AddSingleton(shutdown);
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
        services.Configure<HostOptions>(h => h.ShutdownTimeout = shutdown.ReadinessDelay + shutdown.DrainTimeout);
        return builder;
    }

    /// <summary>
    /// Problems in Gateway:Health and Gateway:Shutdown, each naming its key and the fix (for the host's
    /// start-up validation, which exits 2 on any; <see cref="AddGatewayTelemetry"/> throws on them too).
    /// </summary>
    public static IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var (health, shutdown) = Bind(configuration);
        return health.Validate().Concat(shutdown.Validate()).ToList();
    }

    private static (HealthOptions Health, GracefulShutdownOptions Shutdown) Bind(IConfiguration configuration) =>
        (configuration.GetSection(HealthOptions.Section).Get<HealthOptions>() ?? new HealthOptions(),
         configuration.GetSection(GracefulShutdownOptions.Section).Get<GracefulShutdownOptions>() ?? new GracefulShutdownOptions());

    /// <summary>Maps /healthz, /readyz and /metrics, and starts exporting the "MssGateway" meter.</summary>
    public static WebApplication MapGatewayTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        MeterPrometheusBridge.ExcludeFromDefaultMeterAdapter(SmtpMetrics.MeterName);
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
