using System.Net;
using System.Runtime;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MssGateway.Configuration;
using MssGateway.Delivery;
using MssGateway.Host.Cli;
using MssGateway.Host.Dev;
using MssGateway.Host.Logs;
using MssGateway.Directory;
using MssGateway.Directory.Redis;
using MssGateway.Host.Telemetry;
using MssGateway.Journal;
using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Spool;
using MssGateway.Spool.Encryption;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// Composition root and command line: <c>mssgw [run] [--dev] [--config FILE] [--Gateway:Key=value ...]</c>
/// reads and validates configuration, builds the services, binds the SMTP listeners and the HTTP
/// port on Kestrel, and runs until SIGTERM (then drains). The tool commands (<c>queue</c>,
/// <c>healthcheck</c>, <c>version</c>, <c>help</c>, see <see cref="CliCommand"/>) run without starting
/// the server; help and version need no configuration at all.
/// </summary>
public static class GatewayProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var (command, rest) = SplitCommand(args);
        var wantsHelp = rest.Any(a => a is "--help" or "-h");
        if (wantsHelp && command is not ("queue" or "help") && CliCommand.Find(command) is { } described)
        {
            await Console.Out.WriteLineAsync(described.Text());
            return 0;
        }

        switch (command)
        {
            case "help":
                return await HelpAsync(rest);
            case "version":
                await Console.Out.WriteLineAsync(GatewayVersion.Line());
                return 0;
            case "queue":
                return await RunQueueCommandAsync(rest);
            case "journal":
                using (var cts = CancelOnCtrlC())
                {
                    return await JournalCommand.RunAsync(rest, Console.Out, Console.Error, cts.Token);
                }

            case "healthcheck":
                using (var cts = CancelOnCtrlC())
                {
                    return await HealthCheckCommand.RunAsync(rest, Console.Out, cts.Token);
                }

            case "run" when rest.Contains("--version"):
                await Console.Out.WriteLineAsync(GatewayVersion.Line());
                return 0;
            case "run":
                return await RunGatewayAsync([.. rest]);
            default:
                await Console.Error.WriteLineAsync($"mssgw: unknown command '{command}'. Commands: {string.Join(", ", CliCommand.All.Select(c => c.Name))} (mssgw --help).");
                return 2;
        }
    }

    /// <summary>The command word and its arguments; the server ("run") when the first argument is an option or a key=value.</summary>
    private static (string Command, IReadOnlyList<string> Arguments) SplitCommand(string[] args) => args switch
    {
        [] => ("run", []),
        ["--help" or "-h", .. var rest] => ("help", rest),
        ["--version" or "-V", ..] => ("version", []),
        [var first, ..] when first.StartsWith('-') || first.Contains('=', StringComparison.Ordinal) => ("run", args),
        [var first, .. var rest] => (first, rest),
    };

    /// <summary><c>mssgw help [command [verb]]</c>.</summary>
    private static async Task<int> HelpAsync(IReadOnlyList<string> rest)
    {
        var name = rest.FirstOrDefault(a => !a.StartsWith('-'));
        if (name is null)
        {
            // "mssgw --help": the overview; "mssgw help --help": the help command's own help.
            await Console.Out.WriteLineAsync(rest.Any(a => a is "--help" or "-h") ? CliCommand.Help.Text() : CliCommand.Overview());
            return 0;
        }

        if (name == "queue")
        {
            return await QueueCommand.WriteHelpAsync(["help", .. rest.Skip(1)], Console.Out);
        }

        if (CliCommand.Find(name) is { } command)
        {
            await Console.Out.WriteLineAsync(command.Text());
            return 0;
        }

        await Console.Error.WriteLineAsync($"mssgw: unknown command '{name}'.");
        await Console.Out.WriteLineAsync(CliCommand.Overview());
        return 2;
    }

    private static CancellationTokenSource CancelOnCtrlC()
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return cts;
    }

    private static async Task<int> RunGatewayAsync(string[] args)
    {
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

        // The host's own options and the dev receiver's are read here, before the container exists, because they
        // decide what is registered and where Kestrel listens. This reads values only (a value of the wrong type is
        // named by its key): every options class, these included, is validated in one place below, after the build.
        GatewayOptions options;
        DevMaildirOptions devMaildir;
        SmtpServerLimits smtpLimits;
        try
        {
            options = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
            devMaildir = builder.Configuration.GetSection(DevMaildirOptions.Section).Get<DevMaildirOptions>() ?? new DevMaildirOptions();
            // The socket transport is built with the application (before validation): it takes its read-ahead
            // bound from here (Gateway:Smtp:Limits:MaxReadBufferSize, docs/smtp.md).
            smtpLimits = builder.Configuration.GetSection(SmtpServerLimits.Section).Get<SmtpServerLimits>() ?? new SmtpServerLimits();
        }
        catch (InvalidOperationException ex)
        {
            return await ConfigurationErrorsAsync([GatewayOptionsValidator.DescribeBindingError(ex)]);
        }

        if (string.IsNullOrWhiteSpace(options.InstanceName))
        {
            options.InstanceName = InstanceName.Default;
        }

        var localDomains = options.Delivery.LocalDomains;

        // The Authentication-Results authserv-id and the outbound HELO are this gateway's name unless configured otherwise;
        // outbound sessions present the gateway's own certificate.
        builder.Configuration["Gateway:Policy:AuthServId"] ??= options.ServerName;
        builder.Configuration["Gateway:Delivery:HeloName"] ??= options.ServerName;
        builder.Configuration["Gateway:Delivery:ClientCertificateFile"] ??= options.Tls.CertificateFile;
        builder.Configuration["Gateway:Delivery:ClientKeyFile"] ??= options.Tls.KeyFile;
        builder.Configuration["Gateway:Delivery:ClientChainFile"] ??= options.Tls.ChainFile;
        if (devMaildir.Enabled)
        {
            // Dev mode: the internal next hop is the loopback maildir receiver, whatever else was configured.
            builder.Configuration["Gateway:Delivery:InternalNextHop:Host"] = devMaildir.Address;
            builder.Configuration["Gateway:Delivery:InternalNextHop:Port"] = devMaildir.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.Configuration["Gateway:Delivery:InternalNextHop:Protocol"] = nameof(NextHopProtocol.Smtp);
            builder.Configuration["Gateway:Delivery:InternalNextHop:Tls"] = nameof(NextHopTls.None);
        }

        ConfigureLogging(builder, options);
        ConfigureServices(builder.Services, builder.Configuration, options, devMaildir.Enabled);
        builder.AddGatewayTelemetry(options);

        // Unknown keys (a typo, a key in the wrong section) stop start-up too: the known ones are learned from
        // every options type bound above, so a component's new options are known as soon as it registers them.
        var errors = UnknownKeys(builder.Services, builder.Configuration).ToList();
        if (errors.Count > 0)
        {
            // Reported on their own, before the build: an unknown key is a typo to fix first, and the values the
            // validators would judge may belong to it.
            return await ConfigurationErrorsAsync(errors);
        }

        builder.WebHost.UseSockets(transport => SmtpSocketTransport.Apply(transport, smtpLimits));
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Kestrel runs this while the host is built, before the options are validated: an address or port the
            // validator refuses is not bound here (start-up then stops on the validator's message, exit 2), and the
            // SMTP engine is resolved at the first connection, not now (resolving it builds the trust engine, the
            // spool and the journal from options that may be invalid: that was an unhandled exception, exit 134).
            k.AddServerHeader = false;
            foreach (var listener in options.Listeners)
            {
                if (EndPoint(listener.Address, listener.Port) is not { } endPoint)
                {
                    continue;
                }

                k.Listen(endPoint, lo =>
                {
                    var services = lo.ApplicationServices;
                    SmtpServer? server = null;
                    lo.Run(connection => (server ??= services.GetRequiredService<SmtpServer>()).HandleConnectionAsync(listener, connection));
                });
            }

            if (devMaildir.Enabled && EndPoint(devMaildir.Address, devMaildir.Port) is { } receiverEndPoint)
            {
                k.Listen(receiverEndPoint, lo =>
                {
                    var services = lo.ApplicationServices;
                    DevMaildirReceiver? receiver = null;
                    lo.Run(connection => (receiver ??= services.GetRequiredService<DevMaildirReceiver>()).HandleConnectionAsync(connection));
                });
            }

            if (EndPoint(options.Http.Address, options.Http.Port) is { } http)
            {
                k.Listen(http);
            }
        });

        WebApplication app;
        try
        {
            app = builder.Build();
            // Every options type is validated on start (ValidateOnStart): every problem at once, each naming its key.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex) when (StartupFailures(ex) is { Count: > 0 } failures)
        {
            return await ConfigurationErrorsAsync(errors.Concat(failures));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not a configuration failure we know: still a message and an exit code rather than an abort.
            await Console.Error.WriteLineAsync($"mssgw: cannot start ({ex.GetType().Name}: {ex.Message}).");
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync("  - " + e);
            }

            return 1;
        }

        if (errors.Count > 0)
        {
            return await ConfigurationErrorsAsync(errors);
        }

        if (options.Directory.Kind == DirectoryKind.Redis)
        {
            _ = app.Services.GetRequiredService<RedisDirectoryMetrics>(); // its observable gauges exist once resolved
        }

        // The journal is opened (its writer lock taken, its last file read back and repaired) before the spool's
        // recovery and the first session: a second gateway started on the same instance stops here, before it
        // requeues the first one's messages in delivery.
        try
        {
            app.Services.GetService<ExchangeJournal>()?.Open();
        }
        catch (JournalInUseException ex)
        {
            await Console.Error.WriteLineAsync($"mssgw: configuration error(s), not starting:\n  - {ex.Message}.");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await Console.Error.WriteLineAsync($"mssgw: cannot open the exchange journal ({ex.Message}): check {JournalOptions.Section}:Path (default <Gateway:Spool:Path>/journal) is writable and {JournalOptions.Section}:SigningKeyFile readable.");
            return 2;
        }

        var spool = app.Services.GetRequiredService<MessageSpool>();
        var report = spool.Recover();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MssGateway.Host");
        GatewayLog.SpoolRecovered(logger, report.Messages, report.Requeued, report.TempFilesRemoved, report.Corrupt.Count);
        if (report.KeyMissing > 0)
        {
            GatewayLog.SpoolKeyMissing(logger, report.KeyMissing, string.Join(", ", spool.Encryption?.Keys?.Ids ?? []));
        }

        var sealing = app.Services.GetRequiredService<IOptions<SpoolEncryptionOptions>>().Value;
        if (sealing.Enabled && spool.Encryption is not { SealNewFiles: true })
        {
            await Console.Error.WriteLineAsync($"mssgw: configuration error(s), not starting:\n  - {SpoolEncryptionOptions.Section}:KeyFile could not be read when the spool was opened: check the file (mounted from its Secret).");
            return 2;
        }

        if (options.Logging.HashAddresses && options.Logging.HashKeyFile is null)
        {
            GatewayLog.EphemeralHashKey(logger);
        }

        foreach (var relay in options.Listeners.Where(l => l.RoleInForce() == ListenerRole.Relay && options.Delivery.LocalDomains.Count == 0))
        {
            GatewayLog.RelayWithoutLocalDomains(logger, relay.Name);
        }

        app.MapGatewayTelemetry();

        var hooks = app.Services.GetRequiredService<GatewaySessionHooks>();
        var readiness = app.Services.GetRequiredService<GatewayReadiness>();
        if (NativeMemorySettings.ArenasUnbounded(Environment.GetEnvironmentVariable, NativeMemorySettings.OnGlibc()))
        {
            GatewayLog.MallocArenasUnbounded(logger);
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            readiness.ListenersUp = true;
            GatewayLog.Started(logger, options.ServerName, string.Join(", ", options.Listeners.Select(l => $"{l.Name}={l.Address}:{l.Port}/{l.TlsMode}")), $"{options.Http.Address}:{options.Http.Port}");
            if (devMaildir.Enabled)
            {
                var receiver = app.Services.GetRequiredService<DevMaildirReceiver>();
                DevMaildirLog.Listening(logger, string.Join(", ", localDomains), receiver.Maildir.Root, $"{devMaildir.Address}:{devMaildir.Port}");
            }
        });
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // Readiness goes false first so the load balancer stops sending; sessions then drain.
            readiness.Draining = true;
            hooks.Draining = true;
        });

        // Start-up leaves a few hundred MB of garbage (the configuration key catalogue alone built ~840,000
        // strings: docs/smtp.md "Memory"). Collected here, before a listener opens, the process enters service
        // at its steady size and the GC sizes its budgets from that heap, not from the start-up's.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

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

    /// <summary>
    /// The unknown-key check, in a frame of its own: the catalogue it builds is then garbage as soon as it
    /// returns (it held hundreds of MB of patterns before it learned only the Gateway section's registrations). Built inside Main, it stayed reachable from Main's frame (run once,
    /// so not optimised: its temporaries live to the method's end) and survived the collection before the
    /// listeners open (docs/smtp.md "Memory per connection").
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IReadOnlyList<string> UnknownKeys(IServiceCollection services, IConfiguration configuration) =>
        KnownKeys(services, configuration).FindUnknown(configuration, GatewayOptions.Section);

    /// <summary>
    /// Every configuration key the gateway reads: those of the options types registered in <paramref name="services"/>
    /// (learned from the registrations), of <see cref="GatewayOptions"/>, and of the components this configuration
    /// turns off (delivery disabled, file directory) — their keys are still known, only unused.
    /// </summary>
    public static ConfigurationKeyCatalogue KnownKeys(IServiceCollection services, IConfiguration configuration) =>
        new ConfigurationKeyCatalogue()
            .Add(GatewayOptions.Section, typeof(GatewayOptions))
            .Add(DeliveryOptions.SectionName, typeof(DeliveryOptions))
            .Add("Gateway:Directory:Redis", typeof(RedisDirectoryOptions))
            .AddRegistered(services, configuration, GatewayOptions.Section);

    /// <summary>
    /// The keys of a gateway with every component registered (delivery on, the Redis directory's keys too), as
    /// docs/configuration.md "Every key" lists them: the same registrations as a start, without starting.
    /// </summary>
    public static ConfigurationKeyCatalogue AllKeys()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        var options = new GatewayOptions();
        ConfigureServices(builder.Services, builder.Configuration, options, devMaildirEnabled: false);
        builder.AddGatewayTelemetry(options);
        return KnownKeys(builder.Services, builder.Configuration);
    }

    /// <summary>The configuration failures behind a start-up validation exception (several options types fail together as an AggregateException).</summary>
    private static List<string> StartupFailures(Exception ex) => ex switch
    {
        OptionsValidationException v => [.. v.Failures],
        AggregateException a => [.. a.InnerExceptions.SelectMany(StartupFailures)],
        InvalidOperationException binding when binding.Message.Contains("configuration value", StringComparison.Ordinal) => [GatewayOptionsValidator.DescribeBindingError(binding)],
        // A section bound with ErrorOnUnknownConfiguration (Gateway:Trust) refuses a key it does not have; the
        // unknown-key check has already named it with its nearest key, this says which options class refused it.
        InvalidOperationException binding when binding.Message.Contains(nameof(BinderOptions.ErrorOnUnknownConfiguration), StringComparison.Ordinal) => [binding.Message],
        _ => [],
    };

    private static async Task<int> ConfigurationErrorsAsync(IEnumerable<string> errors)
    {
        await Console.Error.WriteLineAsync("mssgw: configuration error(s), not starting:");
        foreach (var e in errors)
        {
            await Console.Error.WriteLineAsync("  - " + e);
        }

        return 2;
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, GatewayOptions options)
    {
        builder.Logging.ClearProviders();
        if (options.Logging.Format == LogFormat.Json)
        {
            // Every event carries the instance (pod) name and the scopes (connection, session).
            builder.Logging.AddConsole(o => o.FormatterName = GatewayJsonConsoleFormatter.FormatterName);
            builder.Logging.AddConsoleFormatter<GatewayJsonConsoleFormatter, GatewayJsonConsoleFormatterOptions>(o =>
            {
                o.Instance = options.InstanceName;
                o.IncludeScopes = true;
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

    private static void ConfigureServices(IServiceCollection services, IConfiguration configuration, GatewayOptions options, bool devMaildirEnabled)
    {
        services.AddSingleton(options);
        // One options model: each section bound where its class says, validated at start (all failures, full keys).
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());
        services.AddOptions<SpoolOptions>().BindConfiguration(SpoolOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpoolOptions>, SpoolOptionsValidator>());
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SpoolOptions>>().Value);
        services.AddOptions<SmtpServerLimits>().BindConfiguration(SmtpServerLimits.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpServerLimits>>(new SmtpServerLimitsValidator(SmtpServerLimits.Section)));
        services.AddOptions<DevMaildirOptions>().BindConfiguration(DevMaildirOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DevMaildirOptions>, DevMaildirOptionsValidator>());
        services.AddSingleton(TimeProvider.System);
        // Issue 17: the spool's encryption and the exchange journal, options in the shared style (validated at start).
        services.AddOptions<SpoolEncryptionOptions>().BindConfiguration(SpoolEncryptionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpoolEncryptionOptions>, SpoolEncryptionOptionsValidator>();
        services.AddOptions<JournalOptions>().BindConfiguration(JournalOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JournalOptions>, JournalOptionsValidator>();
        // These factories do no I/O that can fail: the start-up validator names every problem first, and the
        // journal opens after it.
        services.AddSingleton(sp =>
        {
            var spool = sp.GetRequiredService<SpoolOptions>();
            return new MessageSpool(spool.Path, spool.Sync, SpoolEncryptionFor(sp.GetRequiredService<IOptions<SpoolEncryptionOptions>>().Value))
            {
                RecycleCapacity = spool.RecycledFiles,
            };
        });
        if (configuration.GetValue<bool>(JournalOptions.Section + ":Enabled"))
        {
            services.AddSingleton(sp =>
            {
                var journal = sp.GetRequiredService<IOptions<JournalOptions>>().Value;
                return new ExchangeJournal(
                    journal, journal.Path ?? Path.Combine(sp.GetRequiredService<SpoolOptions>().Path, "journal"), options.InstanceName, sp.GetRequiredService<AddressRedactor>(),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ExchangeJournal>>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>());
            });
            services.AddSingleton<IExchangeJournal>(sp => sp.GetRequiredService<ExchangeJournal>());
            services.AddHostedService(sp => sp.GetRequiredService<ExchangeJournal>());
        }

        // Orphans of spool/tmp: older than the longest session (plus a margin), removed every 5 minutes (docs/smtp.md).
        services.AddHostedService(sp => new SpoolOrphanSweeper(sp.GetRequiredService<MessageSpool>(), sp.GetRequiredService<IOptions<SmtpServerLimits>>().Value.MaxSessionDuration + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), sp.GetRequiredService<TimeProvider>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetService<ILogger<SpoolOrphanSweeper>>()));
        services.AddSingleton(sp => new SpoolSpace(sp.GetRequiredService<SpoolOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => CreateRedactor(options.Logging));
        services.AddSingleton<GatewayReadiness>();
        if (options.Directory.Kind == DirectoryKind.Redis)
        {
            services.AddRedisMailboxDirectory();
        }
        else
        {
            services.AddSingleton<IMailboxDirectory>(_ => new FileMailboxDirectory(options.Directory.File!));
        }

        services.AddMssTrust();
        services.AddSingleton<ClientCertificateCheck>();
        services.AddSingleton<ISmimeSignerValidator, TrustSmimeSignerValidator>();
        services.AddMessagePolicy();
        if (options.Delivery.Enabled)
        {
            services.AddSingleton<IPeerCertificateValidator, TrustPeerCertificateValidator>();
            services.AddMssDelivery();
            services.AddSingleton<IAcceptedMessageSink, SchedulerNotifyingSink>();
        }
        else
        {
            services.AddSingleton<IAcceptedMessageSink, NullAcceptedMessageSink>();
        }

        if (devMaildirEnabled)
        {
            services.AddSingleton(sp => new DevMaildirReceiver(sp.GetRequiredService<IOptions<DevMaildirOptions>>().Value, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SmtpMetrics>()));
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
                    Limits = sp.GetRequiredService<IOptions<SmtpServerLimits>>().Value,
                    Listeners = [.. options.Listeners],
                },
                sp.GetRequiredService<ISmtpSessionHooks>(),
                sp.GetRequiredService<SmtpMetrics>(),
                sp.GetRequiredService<ILogger<SmtpServer>>(),
                sp.GetRequiredService<TimeProvider>());
            if (options.Listeners.Any(l => l.TlsMode != SmtpTlsMode.None))
            {
                server.Tls = ServerCertificateLoader.Load(options.Tls, ServerCertificateLoader.RootsOf(sp.GetRequiredService<IOptions<TrustOptions>>().Value.AnchorPaths));
            }

            return server;
        });
    }

    /// <summary>Where Kestrel binds <paramref name="address"/>:<paramref name="port"/>; null when the validator will refuse them.</summary>
    private static IPEndPoint? EndPoint(string address, int port) =>
        IPAddress.TryParse(address, out var ip) && port is >= IPEndPoint.MinPort + 1 and <= IPEndPoint.MaxPort ? new IPEndPoint(ip, port) : null;

    /// <summary>The spool's encryption from its validated options; null when a key file cannot be read (start-up then stops naming the key file).</summary>
    private static SpoolEncryption? SpoolEncryptionFor(SpoolEncryptionOptions encryption)
    {
        try
        {
            return SpoolEncryption.FromOptions(encryption);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The address redactor of every log call (issue 12 rule 9): the configured key, or — hashing on
    /// without a key file — a random key drawn now, so addresses never reach the log in clear.
    /// </summary>
    private static AddressRedactor CreateRedactor(LoggingSection logging)
    {
        if (!logging.HashAddresses)
        {
            return AddressRedactor.Clear;
        }

        return new AddressRedactor(logging.HashKeyFile is { } file ? File.ReadAllBytes(file) : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>
    /// <c>mssgw queue VERB ... [--config FILE | --spool DIR | --dev]</c>: the queue CLI, working on the
    /// spool directory of a running gateway with atomic renames (docs/operator-guide.md "Queue"). It
    /// reads the gateway's configuration (<see cref="CliConfiguration"/>) for the spool and for
    /// <c>Gateway:Logging:HashAddresses</c>: when the gateway hashes addresses in its logs, the CLI shows
    /// the same hashes, so an operator can match a queue line to a log line without seeing the address.
    /// </summary>
    private static async Task<int> RunQueueCommandAsync(IReadOnlyList<string> args)
    {
        var cli = CliConfiguration.Load(args);
        var verbArgs = cli.Remaining;
        if (QueueCommand.WantsHelp(verbArgs))
        {
            return await QueueCommand.WriteHelpAsync(verbArgs, Console.Out);
        }

        var spoolDir = cli.Configuration["Gateway:Spool:Path"];
        if (string.IsNullOrWhiteSpace(spoolDir) || !System.IO.Directory.Exists(spoolDir))
        {
            await Console.Error.WriteLineAsync($"mssgw queue: spool directory '{spoolDir}' not found: pass --spool DIR or --config FILE (Gateway:Spool:Path), or --dev for ./run.sh's spool.");
            return QueueCommand.ExitUsage;
        }

        var logging = new LoggingSection();
        AddressRedactor redactor;
        try
        {
            cli.Configuration.GetSection("Gateway:Logging").Bind(logging);
            if (logging.HashAddresses && string.IsNullOrWhiteSpace(logging.HashKeyFile))
            {
                // As the gateway does without a key file: no address in clear, but these hashes cannot be
                // matched with the gateway's log lines.
                await Console.Error.WriteLineAsync("mssgw queue: Gateway:Logging:HashAddresses is on without Gateway:Logging:HashKeyFile: addresses are hashed with a one-off key and will not match the gateway's logs (set HashKeyFile, or give the gateway's configuration with --config FILE).");
            }

            redactor = CreateRedactor(logging);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"mssgw queue: cannot hash addresses as the gateway does ({ex.Message}): give the gateway's configuration (--config FILE) so Gateway:Logging:HashKeyFile can be read.");
            return QueueCommand.ExitUsage;
        }

        SpoolEncryption? encryption;
        try
        {
            var encryptionOptions = cli.Configuration.GetSection(SpoolEncryptionOptions.Section).Get<SpoolEncryptionOptions>() ?? new SpoolEncryptionOptions();
            encryption = SpoolEncryption.FromOptions(encryptionOptions);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"mssgw queue: cannot read the spool's keys ({ex.Message}): give the gateway's configuration (--config FILE) so {SpoolEncryptionOptions.Section}:KeyFile can be read.");
            return QueueCommand.ExitUsage;
        }

        if (encryption?.Keys is null && SpoolHoldsSealedFiles(spoolDir))
        {
            await Console.Error.WriteLineAsync($"mssgw queue: the spool '{spoolDir}' is encrypted and no key was given: messages sealed with a key cannot be listed or shown. Give the gateway's configuration (--config FILE) or --{SpoolEncryptionOptions.Section}:KeyFile=FILE (plus PreviousKeyFiles after a rotation).");
            return QueueCommand.ExitUsage;
        }

        using var cts = CancelOnCtrlC();
        // Issue 17: with the journal on, every action that changes the queue is recorded in the CLI's own instance.
        using var journal = QueueActionJournal.FromConfiguration(cli.Configuration, spoolDir, redactor);
        var queue = new QueueCommand(new MessageSpool(spoolDir, SpoolSyncMode.GroupCommit, encryption), TimeProvider.System, redactor.IsHashing ? redactor.Render : null, redactor.IsHashing ? t => redactor.RedactText(t) ?? t : null, journal);
        var exit = await queue.RunAsync([.. verbArgs], Console.Out, cts.Token);
        if (journal is not null && await journal.CloseAsync() is { } closing)
        {
            await Console.Error.WriteLineAsync("mssgw queue: " + closing);
            return exit == QueueCommand.ExitOk ? QueueCommand.ExitNotJournaled : exit;
        }

        return exit;
    }

    /// <summary>Whether any queued message file starts with a sealed header (one read of 5 octets per file, stops at the first).</summary>
    private static bool SpoolHoldsSealedFiles(string spoolDir)
    {
        foreach (var state in new[] { "incoming", "active", "deferred", "hold" })
        {
            var dir = Path.Combine(spoolDir, state);
            if (!System.IO.Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in System.IO.Directory.EnumerateFiles(dir))
            {
                Span<byte> start = stackalloc byte[5];
                using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var n = RandomAccess.Read(handle, start, 0);
                return n == 5 && start[..4].SequenceEqual("MSSE"u8);
            }
        }

        return false;
    }

    private static string? ArgValue(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
