using MssGateway.DirectorySync;
using MssGateway.DirectorySync.Sources;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// The directory-sync flat-file reader (<see cref="ExtractionCorrespondanceReader"/>): the input is
/// the downloaded Extraction_Correspondance_MSSante file (plain or ZIP), written to a file as the
/// sync does, and read to the end. Documented rejection: <see cref="DirectorySyncException"/> (bad
/// lines are counted and skipped, not thrown).
/// </summary>
public sealed class ExtractionCorrespondanceTarget(FuzzContext context) : IFuzzTarget
{
    private readonly string _path = Path.Combine(context.Scratch, "extraction.txt");

    public string Name => "extraction";

    public string Description => "ExtractionCorrespondanceReader.ReadAsync ('|'-separated, 31 columns, or a ZIP of it); bad input = DirectorySyncException or skipped lines";

    public string Dictionary => "extraction.dict";

    public FuzzOutcome Run(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        var reader = new ExtractionCorrespondanceReader(_path);
        try
        {
            // SharpFuzz calls a synchronous action: drain the async stream here.
            ReadAllAsync(reader).AsTask().GetAwaiter().GetResult();
        }
        catch (DirectorySyncException)
        {
            return FuzzOutcome.Rejected;
        }

        return reader.Lines > reader.RejectedLines ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds()
    {
        var plain = File.Exists(Path.Combine(AppContext.BaseDirectory, "fuzz-seeds", "extraction", "three-lines.txt"))
            ? File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fuzz-seeds", "extraction", "three-lines.txt"))
            : [];
        using var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("Extraction_Correspondance_MSSante.txt").Open();
            entry.Write(plain);
        }

        yield return new("three-lines.zip", zip.ToArray());
    }

    private static async ValueTask ReadAllAsync(ExtractionCorrespondanceReader reader)
    {
        await foreach (var record in reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            _ = record;
        }
    }
}
