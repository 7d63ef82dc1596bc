namespace MssGateway.Spool;

/// <summary>
/// The stored octets of a spool file as positional reads: the file itself, or the plaintext of a
/// sealed file (<see cref="Encryption.SealedContentReader"/>). Readers above it (delivery, the policy,
/// the queue CLI) do not know which.
/// </summary>
internal interface ISpoolContent : IDisposable
{
    /// <summary>Octets readable (content, then envelope and footer).</summary>
    long Length { get; }

    /// <summary>Reads at <paramref name="offset"/>; 0 at the end.</summary>
    int Read(long offset, Span<byte> buffer);
}
