namespace MssGateway.Policy;

/// <summary>
/// Stops the streaming MIME scan as soon as a bound is passed (the reader's callbacks have no other
/// way out). It never leaves <see cref="MessagePolicy"/>: it becomes a refusal there.
/// </summary>
internal sealed class MimeLimitExceededException : Exception
{
    public MimeLimitExceededException(MimeLimit limit)
        : base($"MIME limit exceeded: {limit}")
    {
        Limit = limit;
    }

    public MimeLimitExceededException()
        : this(MimeLimit.Parts)
    {
    }

    public MimeLimitExceededException(string message)
        : base(message)
    {
    }

    public MimeLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MimeLimit Limit { get; }
}
