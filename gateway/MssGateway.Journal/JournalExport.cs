namespace MssGateway.Journal;

/// <summary>
/// <c>mssgw journal export</c>: the records of an instance's journal as JSON lines, exactly as written
/// (so a SIEM can recompute the chain itself), optionally between two times. Torn or unreadable lines
/// are left out (<c>journal verify</c> names them).
/// </summary>
public static class JournalExport
{
    public static async Task<long> WriteAsync(string instanceDirectory, Stream output, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        long n = 0;
        foreach (var file in JournalFiles.List(instanceDirectory))
        {
            var bytes = await File.ReadAllBytesAsync(file, cancellationToken);
            foreach (var line in JournalLine.Read(file, bytes, out _))
            {
                if (line.Record is not { } r || (since is { } s && r.Time < s) || (until is { } u && r.Time >= u))
                {
                    continue;
                }

                var end = Array.IndexOf(bytes, (byte)'\n', (int)line.Offset);
                await output.WriteAsync(bytes.AsMemory((int)line.Offset, end - (int)line.Offset + 1), cancellationToken);
                n++;
            }
        }

        await output.FlushAsync(cancellationToken);
        return n;
    }
}
