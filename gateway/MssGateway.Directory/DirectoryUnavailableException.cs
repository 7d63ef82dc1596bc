namespace MssGateway.Directory;

/// <summary>
/// The directory could not answer (its store is unreachable, timed out, or answered with an error): a
/// temporary condition, never "not listed". Every <see cref="IMailboxDirectory"/> lookup throws this and
/// only this for infrastructure failures, so callers never see the store's own exception types (the
/// gateway answers <c>451 4.4.3 directory_unavailable</c> wherever in a session it happens).
/// </summary>
public sealed class DirectoryUnavailableException : Exception
{
    public DirectoryUnavailableException()
        : base("The directory is unavailable.")
    {
    }

    public DirectoryUnavailableException(string message)
        : base(message)
    {
    }

    public DirectoryUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
