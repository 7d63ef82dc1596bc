namespace MssGateway.Spool.Encryption;

/// <summary>What a sealed file holds; in the authenticated header, so one kind cannot pass for another.</summary>
public enum SealedFileKind : byte
{
    /// <summary>A message: its content, then its envelope and footer (the layout of <see cref="SpoolFileFormat"/>).</summary>
    Message = 1,

    /// <summary>The delivery state of a message (<c>state/&lt;id&gt;.json</c>).</summary>
    DeliveryState = 2,
}
