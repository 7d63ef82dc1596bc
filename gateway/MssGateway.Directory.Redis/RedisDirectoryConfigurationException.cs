namespace MssGateway.Directory.Redis;

/// <summary>A directory setting that cannot work; the message names the configuration key and the fix.</summary>
public sealed class RedisDirectoryConfigurationException : Exception
{
    public RedisDirectoryConfigurationException(string message)
        : base(message)
    {
    }

    public RedisDirectoryConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RedisDirectoryConfigurationException()
    {
    }
}
