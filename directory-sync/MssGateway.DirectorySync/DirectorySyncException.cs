namespace MssGateway.DirectorySync;

/// <summary>Why a run failed, and so the process exit code.</summary>
public enum SyncFailure
{
    /// <summary>Exit 2: a setting cannot work; the message names the key and the fix.</summary>
    Configuration = 2,

    /// <summary>Exit 3: the LDAP server, the flat file or the authorised-domain list could not be read.</summary>
    Source = 3,

    /// <summary>Exit 4: Redis could not be reached or refused a write.</summary>
    Redis = 4,

    /// <summary>Exit 5: another sync held the lock for longer than LockTimeout, or the lock was lost.</summary>
    Lock = 5,
}

/// <summary>A run failure with a message fit for an operator (no personal data) and its exit code.</summary>
public sealed class DirectorySyncException : Exception
{
    public DirectorySyncException(SyncFailure failure, string source, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        Component = source;
    }

    public DirectorySyncException()
    {
    }

    public DirectorySyncException(string message)
        : base(message)
    {
    }

    public DirectorySyncException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SyncFailure Failure { get; } = SyncFailure.Source;

    /// <summary>Metric label: config, ldap, flatfile, domains, redis, lock.</summary>
    public string Component { get; } = "sync";

    public int ExitCode => (int)Failure;

    public static DirectorySyncException Configuration(string message) => new(SyncFailure.Configuration, "config", message);
}
