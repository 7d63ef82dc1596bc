using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using MssGateway.Delivery;
using MssGateway.Directory;
using MssGateway.Directory.Redis;
using MssGateway.Host.Telemetry;
using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Spool;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// Composition root: reads and validates configuration, builds the services, binds the SMTP
/// listeners and the HTTP port on Kestrel, and runs until SIGTERM (then drains).
/// Command line: <c>mssgw [--dev] [--config FILE] [--Gateway:Key=value ...]</c>.
/// </summary>
public static class GatewayProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "queue")
        {
            return await RunQueueCommandAsync(args);
        }

        var dev = args.Contains("--dev");
        var extraConfig = ArgValue(args, "--config");
        var rest = args.Where((a, i) => a != "--dev" && a != "--config" && (i == 0 || args[i - 1] != "--config")).ToArray();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = rest,
            EnvironmentName = dev ? Environments.Development : null,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (extraConfig is not null)
        {
            // --config FILE replaces appsettings*.json (so its lists, e.g. Listeners, are not merged with the defaults).
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddJsonFile(Path.GetFullPath(extraConfig), optional: false, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine(rest);
        }

        var options = new GatewayOptions();
        try
        {
            builder.Configuration.GetSection(GatewayOptions.Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync("mssgw: configuration error(s), not starting:");
            await Console.Error.WriteLineAsync("  - " + GatewayOptionsValidator.DescribeBindingError(ex));
            return 2;
        }

        var errors = GatewayOptionsValidator.Validate(options).Concat(GatewayTelemetry.Validate(builder.Configuration)).ToList();
        if (errors.Count > 0)
        {
            await Console.Error.WriteLineAsync("mssgw: configuration error(s), not starting:");
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync("  - " + e);
            }

            return 2;
        }

        // The Authentication-Results authserv-id and the outbound HELO are this gateway's name unless configured otherwise;
        // outbound sessions present the gateway's own certificate.
        builder.Configuration["Gateway:Policy:AuthServId"] ??= options.ServerName;
        builder.Configuration["Gateway:Delivery:HeloName"] ??= options.ServerName;
        builder.Configuration["Gateway:Delivery:ClientCertificateFile"] ??= options.Tls.CertificateFile;
        builder.Configuration["Gateway:Delivery:ClientKeyFile"] ??= options.Tls.KeyFile;
        builder.Configuration["Gateway:Delivery:ClientChainFile"] ??= options.Tls.ChainFile;
        ConfigureLogging(builder, options);
        try
        {
            ConfigureServices(builder.Services, builder.Configuration, options);
        }
        catch (RedisDirectoryConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("mssgw: configuration error(s), not starting:\n  - " + ex.Message);
            return 2;
        }

        builder.AddGatewayTelemetry(options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            foreach (var listener in options.Listeners)
            {
                k.Listen(listener.ToEndPoint(), lo =>
                {
                    var server = lo.ApplicationServices.GetRequiredService<SmtpServer>();
                    lo.Run(connection => server.HandleConnectionAsync(listener, connection));
                });
            }

            k.Listen(IPAddress.Parse(options.Http.Address), options.Http.Port);
        });

        var app = builder.Build();
        try
        {
            // Options validated on start (trust, policy…) report every problem at once, naming the keys.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("mssgw: configuration error(s), not starting:");
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync("  - " + failure);
            }

            return 2;
        }

        if (options.Directory.Kind == DirectoryKind.Redis)
        {
            _ = app.Services.GetRequiredService<RedisDirectoryMetrics>(); // its observable gauges exist once resolved
        }

        var spool = app.Services.GetRequiredService<MessageSpool>();
        var report = spool.Recover();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MssGateway.Host");
        GatewayLog.SpoolRecovered(logger, report.Messages, report.Requeued, report.TempFilesRemoved, report.Corrupt.Count);

        app.MapGatewayTelemetry();

        var hooks = app.Services.GetRequiredService<GatewaySessionHooks>();
        var readiness = app.Services.GetRequiredService<GatewayReadiness>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            readiness.ListenersUp = true;
            GatewayLog.Started(logger, options.ServerName, string.Join(", ", options.Listeners.Select(l => $"{l.Name}={l.Address}:{l.Port}/{l.TlsMode}")), $"{options.Http.Address}:{options.Http.Port}");
        });
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // Readiness goes false first so the load balancer stops sending; sessions then drain.
            readiness.Draining = true;
            hooks.Draining = true;
        });

        try
        {
            await app.RunAsync();
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"mssgw: cannot listen: {ex.Message}. Check Gateway:Listeners:*:Port and Gateway:Http:Port.");
            return 3;
        }

        return 0;
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, GatewayOptions options)
    {
        builder.Logging.ClearProviders();
        if (options.Logging.Format == "Json")
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = false;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Information);
    }

    private static void ConfigureServices(IServiceCollection services, IConfiguration configuration, GatewayOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new MessageSpool(options.Spool.Path, options.Spool.Sync));
        // Orphans of spool/tmp: older than the longest session (plus a margin), removed every 5 minutes (docs/smtp.md).
        services.AddHostedService(sp => new SpoolOrphanSweeper(sp.GetRequiredService<MessageSpool>(), options.Smtp.Limits.MaxSessionDuration + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), sp.GetRequiredService<TimeProvider>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetService<ILogger<SpoolOrphanSweeper>>()));
        services.AddSingleton(sp => new SpoolSpace(options.Spool, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new AddressRedactor(options.Logging));
        services.AddSingleton<GatewayReadiness>();
        if (options.Directory.Kind == DirectoryKind.Redis)
        {
            services.AddRedisMailboxDirectory(configuration.GetSection("Gateway:Directory:Redis"));
        }
        else
        {
            services.AddSingleton<IMailboxDirectory>(_ => new FileMailboxDirectory(options.Directory.File!));
        }

        services.AddMssTrust(configuration.GetSection("Gateway:Trust"));
        services.AddSingleton<ISmimeSignerValidator, TrustSmimeSignerValidator>();
        services.AddMessagePolicy(configuration.GetSection("Gateway:Policy"));
        if (options.Delivery.Enabled)
        {
            services.AddSingleton<IPeerCertificateValidator, TrustPeerCertificateValidator>();
            services.AddMssDelivery(configuration.GetSection("Gateway:Delivery"));
            services.AddSingleton<IAcceptedMessageSink, SchedulerNotifyingSink>();
        }
        else
        {
            services.AddSingleton<IAcceptedMessageSink, NullAcceptedMessageSink>();
        }

        services.AddSingleton<GatewaySessionHooks>();
        services.AddSingleton<ISmtpSessionHooks>(sp => sp.GetRequiredService<GatewaySessionHooks>());
        services.AddSingleton(sp => new SmtpMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var server = new SmtpServer(
                new SmtpServerOptions
                {
                    ServerName = options.ServerName,
                    Banner = options.Smtp.Banner,
                    Limits = options.Smtp.Limits,
                    Listeners = [.. options.Listeners],
                },
                sp.GetRequiredService<ISmtpSessionHooks>(),
                sp.GetRequiredService<SmtpMetrics>(),
                sp.GetRequiredService<ILogger<SmtpServer>>(),
                sp.GetRequiredService<TimeProvider>());
            if (options.Listeners.Any(l => l.TlsMode != SmtpTlsMode.None))
            {
                server.Tls = ServerCertificateLoader.Load(options.Tls);
            }

            return server;
        });
    }

    /// <summary>
    /// <c>mssgw queue VERB ... [--config FILE | --spool DIR]</c>: the queue CLI, working on the spool
    /// directory of a running gateway with atomic renames (docs/delivery.md "Queue CLI").
    /// </summary>
    private static async Task<int> RunQueueCommandAsync(string[] args)
    {
        var spoolDir = ArgValue(args, "--spool");
        var config = ArgValue(args, "--config");
        if (spoolDir is null)
        {
            var builder = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true);
            if (config is not null)
            {
                builder.AddJsonFile(Path.GetFullPath(config), optional: false);
            }

            spoolDir = builder.AddEnvironmentVariables().Build()["Gateway:Spool:Path"];
        }

        if (string.IsNullOrWhiteSpace(spoolDir) || !System.IO.Directory.Exists(spoolDir))
        {
            await Console.Error.WriteLineAsync($"mssgw queue: spool directory '{spoolDir}' not found: pass --spool DIR or --config FILE (Gateway:Spool:Path).");
            return 2;
        }

        var verbArgs = args.Skip(1).Where((a, i) => a is not ("--spool" or "--config") && (i == 0 || args[i] is not ("--spool" or "--config"))).ToArray();
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return await new QueueCommand(new MessageSpool(spoolDir)).RunAsync(verbArgs, Console.Out, cts.Token);
    }

    private static string? ArgValue(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
