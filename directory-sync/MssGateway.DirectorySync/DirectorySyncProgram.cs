using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Directory.Redis;
using MssGateway.Configuration;
using MssGateway.DirectorySync.Options;
using MssGateway.Telemetry;
using Prometheus;
using StackExchange.Redis;

namespace MssGateway.DirectorySync;

/// <summary>
/// Entry point of <c>mssgw-directory-sync</c>: <c>--once</c> runs one sync and exits (Kubernetes
/// CronJob); without it the process runs a sync every Interval and serves /metrics and /healthz.
/// Exit codes: 0 success, 1 unexpected, 2 configuration, 3 source, 4 Redis, 5 lock.
/// </summary>
public static partial class DirectorySyncProgram
{
    public const string Usage = """
        mssgw-directory-sync — mirrors the MSSanté directory into Redis for the gateway.

          mssgw-directory-sync --once [--full|--incremental] [--progress] [--config FILE] [Key=Value…]
          mssgw-directory-sync        [--config FILE] [Key=Value…]    (service: every DirectorySync:Interval)
          mssgw-directory-sync healthcheck [--live|--ready] [--url URL]   (exit 0 when /readyz answers 200)

        --progress shows a progress line (entries read, percent when the size of the source is known)
        even when stderr is not a terminal; on a terminal it is shown anyway.

        Configuration: appsettings.json (next to the program, then the working directory), --config FILE,
        environment variables (DirectorySync__Ldap__Host=…), then command-line keys
        (--DirectorySync:Source=FlatFile). See docs/directory.md.
        Exit codes: 0 ok, 1 unexpected error, 2 bad configuration, 3 source unreachable or refused,
        4 Redis unreachable, 5 another sync holds the lock.
        """;

    public static async Task<int> MainAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is ["healthcheck", .. var healthArgs])
        {
            return await HealthcheckCommand.RunAsync(healthArgs, Console.Out, Console.Error).ConfigureAwait(false);
        }

        var rest = new List<string>();
        var once = false;
        var progressLine = !Console.IsErrorRedirected;
        SyncMode? mode = null;
        string? configFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--once":
                    once = true;
                    break;
                case "--full":
                    mode = SyncMode.Full;
                    break;
                case "--incremental":
                    mode = SyncMode.Incremental;
                    break;
                case "--progress":
                    progressLine = true;
                    break;
                case "--config" when i + 1 < args.Length:
                    configFile = args[++i];
                    break;
                case "--help" or "-h":
                    await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 0;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        var configuration = BuildConfiguration(configFile, rest.ToArray());
        using var loggerFactory = LoggerFactory.Create(b => b.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        }));
        var logger = loggerFactory.CreateLogger("MssGateway.DirectorySync");
        DirectorySyncOptions options;
        try
        {
            if (configFile is not null && !File.Exists(configFile))
            {
                throw DirectorySyncException.Configuration($"--config '{configFile}' does not exist.");
            }

            options = Load(configuration);
            if (mode == SyncMode.Incremental && options.Source == DirectorySource.FlatFile)
            {
                throw DirectorySyncException.Configuration("--incremental needs DirectorySync:Source=Ldap: the flat file has no change dates.");
            }
        }
        catch (DirectorySyncException ex)
        {
            return await FailAsync(logger, ex).ConfigureAwait(false);
        }

        return once
            ? await RunOnceAsync(options, mode, progressLine, loggerFactory, logger).ConfigureAwait(false)
            : await RunServiceAsync(options, configuration, rest.ToArray(), logger).ConfigureAwait(false);
    }

    public static IConfiguration BuildConfiguration(string? configFile, string[] args)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true);
        if (configFile is not null && File.Exists(configFile))
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        return builder.AddEnvironmentVariables().AddCommandLine(args).Build();
    }

    /// <summary>
    /// The options of a run, bound and validated as the gateway binds its own
    /// (<c>AddOptions().BindConfiguration("DirectorySync").ValidateOnStart()</c> and <see cref="DirectorySyncOptionsValidator"/>):
    /// every unknown key and every bad value at once, each naming its full key, as one configuration failure (exit 2).
    /// </summary>
    public static DirectorySyncOptions Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var services = Register(configuration);

        // An unknown key under DirectorySync (a typo, a key in the wrong section) stops the run like a bad value.
        var errors = new ConfigurationKeyCatalogue().AddRegistered(services, configuration, DirectorySyncOptions.SectionName).FindUnknown(configuration, DirectorySyncOptions.SectionName).ToList();
        using var provider = services.BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            errors.AddRange(ex.Failures);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the path and the value it could not convert.
            errors.Add($"A value under {DirectorySyncOptions.SectionName} has the wrong type: {ex.Message} {ex.InnerException?.Message}".TrimEnd());
        }

        if (errors.Count > 0)
        {
            throw DirectorySyncException.Configuration(string.Join("; ", errors));
        }

        return provider.GetRequiredService<IOptions<DirectorySyncOptions>>().Value;
    }

    /// <summary>Every key directory-sync reads (learned from the registration <see cref="Load"/> validates), for the chart's test.</summary>
    public static ConfigurationKeyCatalogue KnownKeys()
    {
        var configuration = new ConfigurationBuilder().Build();
        return new ConfigurationKeyCatalogue().AddRegistered(Register(configuration), configuration, DirectorySyncOptions.SectionName);
    }

    private static ServiceCollection Register(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddOptions<DirectorySyncOptions>().BindConfiguration(DirectorySyncOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DirectorySyncOptions>, DirectorySyncOptionsValidator>());
        return services;
    }

    private static async Task<int> RunOnceAsync(DirectorySyncOptions options, SyncMode? mode, bool progressLine, ILoggerFactory loggerFactory, ILogger logger)
    {
        using var metrics = new DirectorySyncMetrics();
        using var line = progressLine ? new ProgressLine(Console.Error, metrics.Progress) : null;
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            await using var redis = await ConnectRedisAsync(options).ConfigureAwait(false);
            var runner = new DirectorySyncRunner(options, redis, metrics, loggerFactory.CreateLogger<DirectorySyncRunner>());
            var result = await runner.RunOnceAsync(mode, stop.Token).ConfigureAwait(false);
            if (result.DomainListFailure is { } domains)
            {
                return await FailAsync(logger, domains).ConfigureAwait(false);
            }

            return 0;
        }
        catch (DirectorySyncException ex)
        {
            return await FailAsync(logger, ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("mssgw-directory-sync: interrupted; the live generation was left as it was.").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug, not an operating condition: say so, with the type, and exit 1. The live generation is untouched
            // (only the fenced switch changes it).
            LogUnexpected(logger, ex);
            await Console.Error.WriteLineAsync($"mssgw-directory-sync: unexpected error ({ex.GetType().Name}): {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> RunServiceAsync(DirectorySyncOptions options, IConfiguration configuration, string[] args, ILogger logger)
    {
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectRedisAsync(options).ConfigureAwait(false);
        }
        catch (DirectorySyncException ex)
        {
            return await FailAsync(logger, ex).ConfigureAwait(false);
        }

        await using (redis)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
            builder.Configuration.AddConfiguration(configuration);
            builder.WebHost.UseUrls($"http://{FormatHost(options.Http.Address)}:{options.Http.Port}");
            builder.Logging.ClearProviders().AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            builder.Services.AddMetrics();
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
            builder.Services.AddSingleton(sp => new DirectorySyncMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
            builder.Services.AddSingleton<DirectorySyncWorker>();
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true, SuppressEventCounters = true });
            // The same exporter as the gateway's: exact mssgw_ names, advised buckets, observables read at scrape.
            using var bridge = new MeterPrometheusBridge("MssGateway", Metrics.DefaultRegistry);
            Metrics.DefaultRegistry.AddBeforeCollectCallback(bridge.RecordObservables);
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DirectorySyncWorker>());
            var app = builder.Build();
            app.MapMetrics("/metrics");
            app.MapGet("/healthz", () => Results.Text("ok\n"));
            app.MapGet("/readyz", (DirectorySyncWorker worker) => worker.Readiness is (true, _) ? Results.Text("ok\n") : Results.Text(worker.Readiness.Reason + "\n", statusCode: 503));
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectRedisAsync(DirectorySyncOptions options)
    {
        try
        {
            return await RedisDirectoryConnection.ConnectAsync(options.Redis, "DirectorySync:Redis").ConfigureAwait(false);
        }
        catch (RedisDirectoryConfigurationException ex)
        {
            throw DirectorySyncException.Configuration(ex.Message);
        }
        catch (RedisException ex)
        {
            throw new DirectorySyncException(SyncFailure.Redis, "redis", $"Redis at '{Redact(options.Redis.Configuration)}' is unreachable ({ex.Message}). Check DirectorySync:Redis:Configuration, User, PasswordFile and Tls.", ex);
        }
    }

    private static string Redact(string configuration) =>
        string.Join(',', configuration.Split(',').Select(p => p.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));

    private static string FormatHost(string address) => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;

    private static async Task<int> FailAsync(ILogger logger, DirectorySyncException ex)
    {
        LogFailed(logger, ex.Failure.ToString(), ex.Message);
        await Console.Error.WriteLineAsync($"mssgw-directory-sync: error ({ex.Failure.ToString().ToLowerInvariant()}): {ex.Message}").ConfigureAwait(false);
        return ex.ExitCode;
    }

    [LoggerMessage(EventId = 5502, Level = LogLevel.Critical, Message = "Sync failed with an unexpected error")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5500, Level = LogLevel.Error, Message = "Sync failed ({Failure}): {Error}")]
    private static partial void LogFailed(ILogger logger, string failure, string error);
}
