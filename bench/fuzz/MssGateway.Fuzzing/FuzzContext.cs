namespace MssGateway.Fuzzing;

/// <summary>
/// What targets share in one process: the PKI (loaded from the run's work folder, or made for an
/// in-process test) and a scratch folder, removed on dispose.
/// </summary>
public sealed class FuzzContext : IDisposable
{
    private readonly Lazy<FuzzPki> _pki;

    /// <param name="pkiDirectory">Folder holding the run's PKI (made there when absent); null for a fresh in-memory one.</param>
    public FuzzContext(string? pkiDirectory = null)
    {
        _pki = new Lazy<FuzzPki>(() => pkiDirectory is null ? FuzzPki.Create() : FuzzPki.LoadOrCreate(pkiDirectory));

        // Scratch files live on tmpfs when there is one: some targets write a file per input.
        var tmp = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        Scratch = Path.Combine(tmp, "mssgw-fuzz-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Scratch);
    }

    public FuzzPki Pki => _pki.Value;

    public string Scratch { get; }

    /// <summary>A fresh empty folder under the scratch folder.</summary>
    public string NewScratchDirectory()
    {
        var dir = Path.Combine(Scratch, Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is under tmpfs or /tmp.
        }
    }
}
