using System.IO.Compression;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.DirectorySync;
using MssGateway.DirectorySync.Sources;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests;

/// <summary>Import of Extraction_Correspondance_MSSante (31 '|'-separated columns, header, duplicates, ZIP).</summary>
public sealed class FlatFileImportTests : IClassFixture<RedisFixture>, IDisposable
{
    private const int Count = 2000;
    private readonly RedisFixture _f;
    private readonly TempDirectory _dir = new("mssgw-flat");

    public FlatFileImportTests(RedisFixture fixture)
    {
        _f = fixture;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Flat_file_import_dedupes_addresses_and_maps_the_columns()
    {
        var path = _dir.Combine("Extraction_Correspondance_MSSante.txt");
        await using (var w = new StreamWriter(path, false, new System.Text.UTF8Encoding(true)))
        {
            DirectoryDataGenerator.WriteFlatFile(w, Count);
            await w.WriteAsync("PER|broken line with too few columns|8\n");
            await w.WriteAsync(DirectoryDataGenerator.FlatFileLine(DirectoryDataGenerator.Entry(5000) with { Address = "not-an-address" }) + "\n");
        }

        var result = await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ff", path));

        Assert.Equal(Count, result.Mailboxes);
        Assert.Equal(Count / 10, result.Duplicates);
        Assert.Equal(2, result.Rejected);
        await using var reader = SyncHarness.Reader(_f.Connection, "ff");
        for (var i = 0; i < Count; i += 13)
        {
            var expected = DirectoryDataGenerator.Entry(i);
            var found = await reader.FindByAddressAsync(expected.Address, CancellationToken.None);
            Assert.Equal(expected, found! with { LastSync = null });
        }

        var byId = await reader.FindByNationalIdentifierAsync(DirectoryDataGenerator.NationalIdentifier(4)!, CancellationToken.None);
        Assert.Equal(2, byId.Count);
    }

    [Fact]
    public async Task The_zip_as_downloaded_is_imported_like_the_text_file()
    {
        var zipPath = _dir.Combine("Extraction_Correspondance_MSSante.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            await using var w = new StreamWriter(zip.CreateEntry("Extraction_Correspondance_MSSante_202611230400.txt").Open());
            DirectoryDataGenerator.WriteFlatFile(w, 500);
        }

        var result = await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ffzip", zipPath));

        Assert.Equal(500, result.Mailboxes);
        await using var reader = SyncHarness.Reader(_f.Connection, "ffzip");
        Assert.NotNull(await reader.FindByAddressAsync(DirectoryDataGenerator.Address(499), CancellationToken.None));
    }

    [Fact]
    public async Task A_file_without_the_31_column_header_is_refused_and_the_live_generation_kept()
    {
        var good = _dir.Combine("good.txt");
        await using (var w = new StreamWriter(good))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 100);
        }

        var first = await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ffbad", good));
        var bad = _dir.Combine("bad.txt");
        await File.WriteAllTextAsync(bad, "adresse;type\nx@y.fr;PER\n");

        var ex = await Assert.ThrowsAsync<DirectorySyncException>(() => SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ffbad", bad)));

        Assert.Equal(SyncFailure.Source, ex.Failure);
        Assert.Contains("expected 31", ex.Message, StringComparison.Ordinal);
        Assert.Equal(first.Generation, (string?)await _f.Connection.GetDatabase().HashGetAsync("{ffbad}:current", "generation"));
        Assert.Single(await _f.Connection.GetDatabase().SetMembersAsync("{ffbad}:generations"));
    }

    [Fact]
    public async Task A_file_that_would_empty_most_of_the_directory_is_refused()
    {
        var big = _dir.Combine("big.txt");
        var small = _dir.Combine("small.txt");
        await using (var w = new StreamWriter(big))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 300);
        }

        await using (var w = new StreamWriter(small))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 100);
        }

        await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ffshrink", big));

        var ex = await Assert.ThrowsAsync<DirectorySyncException>(() => SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "ffshrink", small)));
        Assert.Contains("MaxShrinkRatio", ex.Message, StringComparison.Ordinal);
        Assert.Equal("300", (string?)await _f.Connection.GetDatabase().HashGetAsync("{ffshrink}:current", "mailboxes"));
    }

    [Fact]
    public void Column_mapping_rebuilds_the_national_identifier_from_type_and_number()
    {
        var f = DirectoryDataGenerator.FlatFileLine(DirectoryDataGenerator.Entry(4)).Split('|');
        f[ExtractionCorrespondanceReader.IdentificationNationalePp] = string.Empty;
        f[ExtractionCorrespondanceReader.TypeIdentifiantPp] = "0";
        f[ExtractionCorrespondanceReader.IdentifiantPp] = "751234567";

        var entry = ExtractionCorrespondanceReader.ToEntry(f);

        Assert.Equal("0751234567", entry?.NationalIdentifier);
    }
}
