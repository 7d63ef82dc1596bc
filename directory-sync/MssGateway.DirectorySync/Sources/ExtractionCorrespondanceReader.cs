using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using MssGateway.Directory;

namespace MssGateway.DirectorySync.Sources;

/// <summary>
/// Streams the ANS extraction Extraction_Correspondance_MSSante (domain.md "The national directory"):
/// UTF-8, '|'-separated, one header line, 31 columns; plain text or a ZIP holding it. One line in
/// memory at a time; duplicate addresses are left to the writer (first line wins). Lines, header
/// included, may end with a trailing '|' as ANS's other pipe-separated extractions do: an empty
/// field after the 31st is the line's end, not a 32nd column.
/// </summary>
public sealed class ExtractionCorrespondanceReader
{
    /// <summary>Number of columns of the extraction.</summary>
    public const int ColumnCount = 31;

    // Column positions (0-based) in the order ANS publishes them.
    public const int TypeBal = 0;
    public const int AdresseBal = 1;
    public const int TypeIdentifiantPp = 2;
    public const int IdentifiantPp = 3;
    public const int IdentificationNationalePp = 4;
    public const int TypeIdentifiantStructure = 5;
    public const int IdentificationStructure = 6;
    public const int NomExercice = 9;
    public const int PrenomExercice = 10;
    public const int CodeProfession = 13;
    public const int LibelleProfession = 14;

    private readonly string _path;
    private FileStream? _file;

    public ExtractionCorrespondanceReader(string path)
    {
        _path = path ?? throw new ArgumentNullException(nameof(path));
    }

    /// <summary>Data lines skipped: wrong column count, no usable address, unknown mailbox type.</summary>
    public long RejectedLines { get; private set; }

    public long Lines { get; private set; }

    /// <summary>Bytes of the file read so far (of the ZIP when it is one): the progress of a run.</summary>
    public long BytesRead => _file is { } f && f.CanSeek ? f.Position : 0;

    /// <summary>Size of the file (of the ZIP when it is one); 0 before reading starts.</summary>
    public long TotalBytes { get; private set; }

    public async IAsyncEnumerable<SourceRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"Flat file '{_path}' does not exist: check DirectorySync:FlatFile:Path.");
        }

        ZipArchive? zip = null;
        Stream stream;
        try
        {
            stream = _file = File.OpenRead(_path);
            TotalBytes = _file.Length;
            if (IsZip(stream))
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
                var entry = zip.Entries.Where(e => e.Length > 0 && !e.FullName.EndsWith('/')).MaxBy(e => e.Length)
                    ?? throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"ZIP '{_path}' holds no file.");
                stream = entry.Open();
            }
        }
        catch (InvalidDataException ex)
        {
            throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"'{_path}' looks like a ZIP but cannot be read: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"Flat file '{_path}' cannot be read: {ex.Message}", ex);
        }

        using (zip)
        using (var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16))
        {
            var header = await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false);
            CheckHeader(header);
            var fields = new string[ColumnCount];
            while (await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                Lines++;
                if (!Split(line, fields))
                {
                    RejectedLines++;
                    continue;
                }

                var entry = ToEntry(fields);
                if (entry is null)
                {
                    RejectedLines++;
                    continue;
                }

                yield return new SourceRecord(entry, null);
            }
        }
    }

    /// <summary>Maps one line's fields; null when the line cannot be a mailbox.</summary>
    public static MailboxEntry? ToEntry(string[] f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var address = MailboxAddressRule.NormaliseOrNull(f[AdresseBal]);
        var kind = Directory.Redis.CurrentFields.ParseKind(f[TypeBal]);
        if (address is null || kind is null)
        {
            return null;
        }

        // "Identification nationale PP" is the prefixed idNatPS; rebuild it from type + number when absent.
        var id = MailboxAddressRule.Clean(f[IdentificationNationalePp]);
        if (id is null && MailboxAddressRule.Clean(f[IdentifiantPp]) is { } number && MailboxAddressRule.Clean(f[TypeIdentifiantPp]) is { } type && type.Length == 1)
        {
            id = type + number;
        }

        return new MailboxEntry
        {
            Address = address,
            Kind = kind.Value,
            NationalIdentifier = id,
            LastName = MailboxAddressRule.Clean(f[NomExercice]),
            FirstName = MailboxAddressRule.Clean(f[PrenomExercice]),
            Profession = MailboxAddressRule.Clean(f[LibelleProfession]) ?? MailboxAddressRule.Clean(f[CodeProfession]),
            StructureIdentifier = MailboxAddressRule.Clean(f[IdentificationStructure]),
            OperatorDomain = AddressKey.DomainOf(address),
        };
    }

    /// <summary>
    /// A ZIP entry is inflated while it is read: corrupt compressed data throws here, long after the
    /// archive opened (fuzzing finding), and is a source failure like an unreadable archive.
    /// </summary>
    private async ValueTask<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"'{_path}' looks like a ZIP but cannot be decompressed: {ex.Message}", ex);
        }
    }

    private void CheckHeader(string? header)
    {
        if (header is null)
        {
            throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"Flat file '{_path}' is empty.");
        }

        var columns = header.TrimStart('\uFEFF').Split('|');
        if (columns.Length == ColumnCount + 1 && string.IsNullOrWhiteSpace(columns[^1]))
        {
            columns = columns[..ColumnCount];
        }

        if (columns.Length != ColumnCount || !columns[TypeBal].Trim().Equals("Type de BAL", StringComparison.OrdinalIgnoreCase))
        {
            throw new DirectorySyncException(SyncFailure.Source, "flatfile", $"Flat file '{_path}' is not an Extraction_Correspondance_MSSante: the header has {columns.Length} '|'-separated columns (expected {ColumnCount}, first 'Type de BAL').");
        }
    }

    private static bool Split(string line, string[] fields)
    {
        var span = line.AsSpan();
        var i = 0;
        while (true)
        {
            var bar = span.IndexOf('|');
            if (i == ColumnCount)
            {
                // Reached only past the '|' that ends the 31st field: a trailing '|' ends the line;
                // anything after it is a 32nd column.
                return span.IsWhiteSpace();
            }

            if (bar < 0)
            {
                fields[i++] = span.ToString();
                return i == ColumnCount;
            }

            fields[i++] = span[..bar].ToString();
            span = span[(bar + 1)..];
        }
    }

    private static bool IsZip(Stream stream)
    {
        Span<byte> magic = stackalloc byte[4];
        var n = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        return n == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
    }
}
