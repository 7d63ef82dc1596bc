namespace MssGateway.DirectorySync.Options;

/// <summary>The ANS extraction file, section <c>DirectorySync:FlatFile</c>.</summary>
public sealed class FlatFileSourceOptions
{
    /// <summary>Path of Extraction_Correspondance_MSSante (.txt, or the .zip as downloaded).</summary>
    public string Path { get; set; } = string.Empty;
}
