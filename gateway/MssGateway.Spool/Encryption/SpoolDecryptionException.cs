namespace MssGateway.Spool.Encryption;

/// <summary>
/// A sealed spool file that does not open: never delivered. <see cref="MessageSpool.Open"/> hands it on
/// as the inner exception of an <see cref="InvalidDataException"/>, which delivery already answers by
/// setting the message aside in <c>corrupt/</c>. The message names what failed, never content.
/// </summary>
public class SpoolDecryptionException(SpoolDecryptionFailure failure, string message) : Exception(message)
{
    public SpoolDecryptionFailure Failure { get; } = failure;
}
