namespace MssGateway.Directory.Redis;

/// <summary>
/// Where the directory mirror lives in Redis and how the gateway caches it. Bound from
/// <c>Gateway:Directory:Redis</c> (gateway) and <c>DirectorySync:Redis</c> (directory-sync).
/// </summary>
public sealed class RedisDirectoryOptions
{
    /// <summary>StackExchange.Redis configuration string: standalone <c>host:port</c>, Cluster (any node list),
    /// or Sentinel (<c>sentinel1:26379,serviceName=mymaster</c>). Options such as <c>ssl=true</c> may be given here.</summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>Redis ACL user name (Redis 6+); empty for the default user.</summary>
    public string? User { get; set; }

    /// <summary>File holding the Redis password (a mounted Kubernetes Secret); trailing newlines are ignored.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Connect with TLS (the directory is personal data: use it outside loopback).</summary>
    public bool Tls { get; set; }

    /// <summary>PEM file of the CA(s) that issued the Redis server certificate; empty to use the system store.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>Host name expected in the Redis server certificate, when it differs from the configured host.</summary>
    public string? TlsHost { get; set; }

    /// <summary>PEM client certificate (and <see cref="TlsClientKeyFile"/>) when Redis requires mutual TLS.</summary>
    public string? TlsClientCertificateFile { get; set; }

    public string? TlsClientKeyFile { get; set; }

    /// <summary>Prefix of every key; also the Cluster hash tag of the control keys.</summary>
    public string KeyPrefix { get; set; } = RedisDirectoryKeys.DefaultPrefix;

    /// <summary>Gateway side: entries kept in the local cache (0 disables it).</summary>
    public int CacheSize { get; set; } = 10_000;

    /// <summary>Gateway side: how long a cached lookup (hit or miss) may be served.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gateway side: how often the live generation pointer is re-read even without a pub/sub message.</summary>
    public TimeSpan PointerRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gateway side: the directory is stale (not ready) when its last successful sync is older than this.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(26);

    /// <summary>Connect timeout for Redis operations.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws with the key and the fix when a value cannot work (the first problem). <paramref name="section"/> is the configuration path used in messages.</summary>
    public void Validate(string section)
    {
        if (Problems(section) is { Count: > 0 } problems)
        {
            throw new RedisDirectoryConfigurationException(string.Join("; ", problems));
        }
    }

    /// <summary>Every value that cannot work, each naming its full key (under <paramref name="section"/>) and the fix.</summary>
    public IReadOnlyList<string> Problems(string section)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            errors.Add($"{section}:Configuration is empty: set it to the StackExchange.Redis configuration string, e.g. 'redis:6379' or 'sentinel:26379,serviceName=mymaster'.");
        }
        else
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(Configuration);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{section}:Configuration could not be parsed ({ex.Message}): use the StackExchange.Redis configuration string format.");
            }
        }

        if (!string.IsNullOrEmpty(PasswordFile) && !File.Exists(PasswordFile))
        {
            errors.Add($"{section}:PasswordFile '{PasswordFile}' does not exist: mount the Redis password there or remove the key.");
        }

        if (!string.IsNullOrEmpty(TlsCaFile) && !File.Exists(TlsCaFile))
        {
            errors.Add($"{section}:TlsCaFile '{TlsCaFile}' does not exist: give the PEM file of the Redis server's CA or remove the key.");
        }

        if (string.IsNullOrEmpty(TlsClientCertificateFile) != string.IsNullOrEmpty(TlsClientKeyFile))
        {
            errors.Add($"{section}:TlsClientCertificateFile and {section}:TlsClientKeyFile go together: set both or neither.");
        }

        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add($"{section}:KeyPrefix '{KeyPrefix}' is not usable: give a non-empty prefix without braces (default '{RedisDirectoryKeys.DefaultPrefix}').");
        }

        if (CacheSize < 0)
        {
            errors.Add($"{section}:CacheSize must be 0 or more (0 disables the cache).");
        }

        foreach (var (key, value) in new[] { ("MaxAge", MaxAge), ("PointerRefreshInterval", PointerRefreshInterval), ("ConnectTimeout", ConnectTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{section}:{key} must be a positive duration (hh:mm:ss).");
            }
        }

        return errors;
    }
}
