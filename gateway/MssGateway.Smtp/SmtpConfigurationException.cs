namespace MssGateway.Smtp;

/// <summary>A configuration value the engine cannot run with; the message names the key and the fix.</summary>
public sealed class SmtpConfigurationException : Exception
{
    public SmtpConfigurationException()
    {
    }

    public SmtpConfigurationException(string message)
        : base(message)
    {
    }

    public SmtpConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
