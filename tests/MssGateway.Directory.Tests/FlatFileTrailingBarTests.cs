using MssGateway.Directory.Tests.Fixtures;
using MssGateway.DirectorySync;
using MssGateway.DirectorySync.Sources;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests;

/// <summary>
/// Issue 15.7: the ANS extraction as it comes. ANS's pipe-separated extractions end every line,
/// header included, with a trailing '|'; whether Extraction_Correspondance_MSSante does is not
/// verified, so both forms are read alike: an empty field after the 31st is the end of the line,
/// not a 32nd column. A real 32nd column is still refused.
/// </summary>
public sealed class FlatFileTrailingBarTests : IClassFixture<RedisFixture>, IDisposable
{
    private const int Count = 300;
    private readonly RedisFixture _f;
    private readonly TempDirectory _dir = new("mssgw-flat-bar");

    public FlatFileTrailingBarTests(RedisFixture fixture)
    {
        _f = fixture;
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("every line, header included", true, false)]
    [InlineData("data lines only", true, true)]
    [InlineData("no line", false, false)]
    public async Task Lines_with_or_without_a_trailing_bar_are_imported_alike(string which, bool trailingBar, bool dataLinesOnly)
    {
        var prefix = "bar-" + (trailingBar ? (dataLinesOnly ? "data" : "all") : "none");
        var path = _dir.Combine(prefix + ".txt");
        await using (var w = new StreamWriter(path, false, new System.Text.UTF8Encoding(true)))
        {
            DirectoryDataGenerator.WriteFlatFile(w, Count, trailingBar: trailingBar, trailingBarOnDataLinesOnly: dataLinesOnly);
        }

        var result = await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, prefix, path));

        Assert.True(Count == result.Mailboxes, which);
        Assert.Equal(0, result.Rejected);
        await using var reader = SyncHarness.Reader(_f.Connection, prefix);
        for (var i = 0; i < Count; i += 17)
        {
            var expected = DirectoryDataGenerator.Entry(i);
            Assert.Equal(expected, (await reader.FindByAddressAsync(expected.Address, CancellationToken.None))! with { LastSync = null });
        }
    }

    [Fact]
    public void A_trailing_bar_leaves_the_last_column_its_value()
    {
        var fields = Enumerable.Range(1, ExtractionCorrespondanceReader.ColumnCount).Select(i => "c" + i).ToArray();
        fields[0] = "PER";
        fields[1] = "dr.martin@ch-test.mssante.fr";
        var path = _dir.Combine("one.txt");
        File.WriteAllText(path, DirectoryDataGenerator.FlatFileHeader + "|\n" + string.Join('|', fields) + "|\n");
        var reader = new ExtractionCorrespondanceReader(path);
        var records = reader.ReadAsync(CancellationToken.None).ToBlockingEnumerable().ToList();
        Assert.Single(records);
        Assert.Equal(0, reader.RejectedLines);
        Assert.Equal("c11", records[0].Entry.FirstName);
    }

    [Fact]
    public void A_real_32nd_column_is_refused_and_so_is_a_second_trailing_bar()
    {
        var line = DirectoryDataGenerator.FlatFileLine(DirectoryDataGenerator.Entry(1));
        var path = _dir.Combine("extra.txt");
        File.WriteAllText(path, DirectoryDataGenerator.FlatFileHeader + "\n" + line + "|extra\n" + line + "||\n" + DirectoryDataGenerator.FlatFileLine(DirectoryDataGenerator.Entry(2)) + "|\n");
        var reader = new ExtractionCorrespondanceReader(path);
        var records = reader.ReadAsync(CancellationToken.None).ToBlockingEnumerable().ToList();
        Assert.Equal([DirectoryDataGenerator.Address(2)], records.Select(r => r.Entry.Address));
        Assert.Equal(2, reader.RejectedLines);
    }

    [Theory]
    [InlineData("|extra")]
    [InlineData("||")]
    public async Task A_header_with_32_columns_is_still_refused(string tail)
    {
        var path = _dir.Combine("header32.txt");
        await File.WriteAllTextAsync(path, DirectoryDataGenerator.FlatFileHeader + tail + "\n" + DirectoryDataGenerator.FlatFileLine(DirectoryDataGenerator.Entry(1)) + "\n");
        var reader = new ExtractionCorrespondanceReader(path);
        var ex = await Assert.ThrowsAsync<DirectorySyncException>(async () => await reader.ReadAsync(CancellationToken.None).ToListAsync());
        Assert.Contains("expected 31", ex.Message, StringComparison.Ordinal);
    }
}
