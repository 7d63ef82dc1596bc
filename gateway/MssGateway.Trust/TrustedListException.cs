namespace MssGateway.Trust;

/// <summary>A trusted list that must not be used (bad or missing signature, wrapping, expired, malformed).</summary>
public sealed class TrustedListException : Exception
{
    public TrustedListException()
    {
    }

    public TrustedListException(string message)
        : base(message)
    {
    }

    public TrustedListException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
