namespace MssGateway.DirectorySync;

/// <summary>
/// The progress of a sync on a terminal: one line rewritten in place ("\r"), so an operator
/// watching a 500,000-entry first sync sees it move; a final newline at the end of the run.
/// Used when stderr is a terminal, or with <c>--progress</c>.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly TextWriter _writer;
    private readonly SyncProgress _progress;
    private readonly Lock _gate = new();
    private int _width;

    public ProgressLine(TextWriter writer, SyncProgress progress)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        _progress.Reported += Write;
    }

    public void Dispose() => _progress.Reported -= Write;

    private void Write(SyncProgress progress)
    {
        lock (_gate)
        {
            var text = $"mssgw-directory-sync: {progress.Source} {progress.Describe()}";
            // Pad over the previous, longer text.
            _writer.Write("\r" + text.PadRight(_width));
            _width = text.Length;
            if (!progress.Running)
            {
                _writer.Write('\n');
                _width = 0;
            }

            _writer.Flush();
        }
    }
}
