using System.IO.Compression;
using System.Text;
using MssGateway.DirectorySync;
using MssGateway.DirectorySync.Sources;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests.Fuzzing;

/// <summary>
/// Inputs the fuzzer (bench/fuzz, target extraction) found, minimised: the flat-file reader answers
/// them with its documented failure, a <see cref="DirectorySyncException"/> of kind Source (exit 3),
/// never another exception (docs/security.md "Fuzzing").
/// </summary>
public sealed class ExtractionCorrespondanceFuzzRegressionTests : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-flat-fuzz");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Zip_whose_compressed_data_is_corrupt_is_a_source_failure_not_an_invalid_data_exception()
    {
        var path = _dir.Combine("Extraction_Correspondance_MSSante.zip");
        await File.WriteAllBytesAsync(path, CorruptZip());

        var reader = new ExtractionCorrespondanceReader(path);
        var ex = await Assert.ThrowsAsync<DirectorySyncException>(async () =>
        {
            await foreach (var record in reader.ReadAsync(CancellationToken.None))
            {
                _ = record;
            }
        });

        Assert.Equal(SyncFailure.Source, ex.Failure);
        Assert.Contains("cannot be decompressed", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A well-formed archive whose deflate stream starts with a reserved block type (BTYPE=11).</summary>
    private static byte[] CorruptZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("Extraction_Correspondance_MSSante.txt", CompressionLevel.Optimal).Open();
            entry.Write(Encoding.UTF8.GetBytes("Type de BAL|" + string.Join('|', Enumerable.Range(1, 30).Select(i => "c" + i)) + "\n"));
        }

        var bytes = buffer.ToArray();
        var nameLength = BitConverter.ToUInt16(bytes, 26);
        var extraLength = BitConverter.ToUInt16(bytes, 28);
        bytes[30 + nameLength + extraLength] = 0xFF;
        return bytes;
    }
}
