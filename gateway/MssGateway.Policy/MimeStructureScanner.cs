using System.Buffers;
using MimeKit;
using MimeKit.Encodings;

namespace MssGateway.Policy;

/// <summary>
/// One streaming pass over a stored message (or over unwrapped opaque S/MIME content) with MimeKit's
/// event reader: nothing but the current header block and small per-level state is held in memory,
/// whatever the size of the message (DESIGN.md §3 "Size": the counting streams).
/// It counts MIME parts and nesting, bounds header blocks, sums the decoded size of attachments
/// (a part with a file name or an attachment disposition at any depth, TNEF and ZIP parts, S/MIME
/// enveloped data whose encrypted size counts), records the signed entities (RFC 8551 §3.5) for
/// later verification, and the top-level Authentication-Results fields (RFC 8601 §5).
/// </summary>
internal sealed class MimeStructureScanner : MimeReader
{
    private static readonly string[] ArchiveOrTnefTypes =
    [
        "application/ms-tnef", "application/vnd.ms-tnef", "application/zip", "application/x-zip-compressed", "application/x-zip",
    ];

    private readonly HeaderGuardStream _guard;
    private readonly MimeScanBudget _budget;
    private readonly int _depthBase;
    private readonly string? _inheritedFrom;
    private readonly Stack<Frame> _frames = new();
    private readonly List<SignedEntity> _signed = [];
    private readonly List<TopLevelHeader> _topLevelHeaders = [];

    private int _headerBlocks;
    private long _headerBlockBytes;
    private string? _pendingDisposition;
    private string? _pendingTransferEncoding;
    private string? _pendingFrom;

    public MimeStructureScanner(Stream stream, MimeScanBudget budget, int depthBase, string? inheritedFrom)
        : this(new HeaderGuardStream(stream, budget.Options.MaxHeaderBytes), budget, depthBase, inheritedFrom)
    {
    }

    private MimeStructureScanner(HeaderGuardStream guard, MimeScanBudget budget, int depthBase, string? inheritedFrom)
        : base(CreateParserOptions(budget.Options), guard, MimeFormat.Entity)
    {
        _guard = guard;
        _budget = budget;
        _depthBase = depthBase;
        _inheritedFrom = inheritedFrom;
    }

    /// <summary>
    /// Signed entities in document order (opaque ones without a smime-type are included; parsing tells
    /// later whether they hold signed-data or something to count as an attachment).
    /// </summary>
    public IReadOnlyList<SignedEntity> SignedEntities => _signed;

    /// <summary>Headers of the first header block (the message's own header), with their byte ranges.</summary>
    public IReadOnlyList<TopLevelHeader> TopLevelHeaders => _topLevelHeaders;

    /// <summary>From of the outermost message of this stream, when it has one.</summary>
    public string? TopLevelFrom { get; private set; }

    private static ParserOptions CreateParserOptions(MessagePolicyOptions options)
    {
        var parser = ParserOptions.Default.Clone();

        // MimeKit stops recursing past this depth (stack safety); our own count, which also counts
        // message/rfc822 levels, refuses well before it.
        parser.MaxMimeDepth = (options.MaxMimeDepth * 2) + 4;
        return parser;
    }

    protected override Task OnHeadersBeginAsync(long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        _headerBlocks++;
        _headerBlockBytes = 0;
        _pendingDisposition = null;
        _pendingTransferEncoding = null;
        _pendingFrom = null;
        return Task.CompletedTask;
    }

    protected override Task OnHeaderReadAsync(Header header, int beginLineNumber, CancellationToken cancellationToken)
    {
        var length = header.RawField.Length + 1 + header.RawValue.Length;
        _headerBlockBytes += length;

        if (_headerBlockBytes > _budget.Options.MaxHeaderBytes)
        {
            throw new MimeLimitExceededException(MimeLimit.HeaderBytes);
        }

        switch (header.Id)
        {
            case HeaderId.ContentDisposition:
                _pendingDisposition = header.Value;
                break;
            case HeaderId.ContentTransferEncoding:
                _pendingTransferEncoding = header.Value;
                break;
            case HeaderId.From:
                _pendingFrom = header.Value;
                break;
        }

        if (_headerBlocks == 1 && _frames.Count == 0)
        {
            // Only Authentication-Results values are needed (forged-header check); other values stay unread.
            var value = header.Id == HeaderId.AuthenticationResults ? header.Value : string.Empty;
            _topLevelHeaders.Add(new TopLevelHeader(header.Id, header.Field, value, header.Offset ?? -1, length));
        }

        return Task.CompletedTask;
    }

    protected override Task OnHeadersEndAsync(long beginOffset, int beginLineNumber, long endOffset, int endLineNumber, CancellationToken cancellationToken)
    {
        _guard.Progress();
        return Task.CompletedTask;
    }

    protected override Task OnMultipartPreambleReadAsync(byte[] content, int startIndex, int count, CancellationToken cancellationToken)
    {
        _guard.Progress();
        return Task.CompletedTask;
    }

    protected override Task OnMultipartEpilogueReadAsync(byte[] content, int startIndex, int count, CancellationToken cancellationToken)
    {
        _guard.Progress();
        return Task.CompletedTask;
    }

    protected override Task OnMimeMessageBeginAsync(long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        var from = FirstMailbox(_pendingFrom);
        if (_frames.Count == 0 && TopLevelFrom is null)
        {
            TopLevelFrom = from;
        }

        _frames.Push(new Frame(FrameKind.Message, null) { From = from ?? NearestFrom(), SuppressCounting = CountingSuppressed() });
        return Task.CompletedTask;
    }

    protected override Task OnMimeMessageEndAsync(long beginOffset, int beginLineNumber, long headersEndOffset, long endOffset, int lines, CancellationToken cancellationToken)
    {
        _frames.Pop();
        return Task.CompletedTask;
    }

    protected override Task OnMultipartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        EnterChild(beginOffset);
        var frame = new Frame(FrameKind.Multipart, contentType)
        {
            IsSigned = contentType.IsMimeType("multipart", "signed"),
            SuppressCounting = CountingSuppressed(),
        };
        _frames.Push(frame);
        return Task.CompletedTask;
    }

    protected override Task OnMultipartEndAsync(ContentType contentType, long beginOffset, int beginLineNumber, long headersEndOffset, long endOffset, int lines, CancellationToken cancellationToken)
    {
        _guard.Progress();
        var frame = _frames.Pop();
        if (frame.IsSigned && frame.SignedBegin >= 0)
        {
            _signed.Add(new SignedEntity
            {
                Kind = SignedEntityKind.Detached,
                Depth = Depth + 1,
                Begin = frame.SignedBegin,
                End = frame.SignedEnd,
                Signature = frame.Signature?.ToArray() ?? [],
                From = NearestFrom(),
            });
        }

        ExitChild(endOffset);
        return Task.CompletedTask;
    }

    protected override Task OnMessagePartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        EnterChild(beginOffset);
        var suppressed = CountingSuppressed();
        var whole = !suppressed && IsAttachment(contentType);
        _frames.Push(new Frame(FrameKind.MessagePart, contentType) { SuppressCounting = suppressed || whole, CountsWhole = whole });
        return Task.CompletedTask;
    }

    protected override Task OnMessagePartEndAsync(ContentType contentType, long beginOffset, int beginLineNumber, long headersEndOffset, long endOffset, int lines, CancellationToken cancellationToken)
    {
        _guard.Progress();
        var frame = _frames.Pop();
        if (frame.CountsWhole)
        {
            // A forwarded message sent as an attachment counts whole (message/rfc822 is 7bit/8bit/binary:
            // its stored size is its decoded size); its inner attachments are not counted twice.
            _budget.AddAttachmentBytes(Math.Max(0, endOffset - headersEndOffset));
        }

        ExitChild(endOffset);
        return Task.CompletedTask;
    }

    protected override Task OnMimePartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        var parent = _frames.Count > 0 ? _frames.Peek() : null;
        EnterChild(beginOffset);
        var frame = new Frame(FrameKind.Part, contentType) { Encoding = ParseEncoding(_pendingTransferEncoding) };
        var suppressed = CountingSuppressed();

        if (parent is { IsSigned: true, ChildIndex: 2 } && IsPkcs7Signature(contentType))
        {
            parent.Signature = new MemoryStream();
            frame.SignatureSink = parent.Signature;
        }
        else if (IsPkcs7Mime(contentType))
        {
            var smimeType = contentType.Parameters["smime-type"]?.Trim().ToLowerInvariant();
            switch (smimeType)
            {
                case "signed-data":
                    frame.Opaque = OpaqueKind.SignedData;
                    break;
                case null or "":
                    frame.Opaque = OpaqueKind.Unknown;
                    break;
                default:
                    // enveloped-data, authEnveloped-data, compressed-data, certs-only: cannot be opened
                    // here; the stored (encrypted) size counts (issue 4).
                    frame.Counts = !suppressed;
                    break;
            }
        }
        else if (!suppressed && IsAttachment(contentType))
        {
            frame.Counts = true;
        }

        if (frame.Counts || frame.SignatureSink is not null)
        {
            frame.Decoder = CreateDecoder(frame.Encoding);
        }

        _frames.Push(frame);
        return Task.CompletedTask;
    }

    protected override Task OnMimePartContentBeginAsync(long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        _frames.Peek().ContentBegin = beginOffset;
        return Task.CompletedTask;
    }

    protected override Task OnMimePartContentReadAsync(byte[] content, int startIndex, int count, CancellationToken cancellationToken)
    {
        _guard.Progress();
        var frame = _frames.Peek();
        if (!frame.Counts && frame.SignatureSink is null)
        {
            return Task.CompletedTask;
        }

        long decoded;
        if (frame.Decoder is null)
        {
            decoded = count;
            frame.SignatureSink?.Write(content, startIndex, count);
        }
        else
        {
            var output = ArrayPool<byte>.Shared.Rent(frame.Decoder.EstimateOutputLength(count));
            try
            {
                var n = frame.Decoder.Decode(content, startIndex, count, output);
                decoded = n;
                frame.SignatureSink?.Write(output, 0, n);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(output);
            }
        }

        if (frame.SignatureSink is not null && frame.SignatureSink.Length > _budget.Options.MaxSignatureBytes)
        {
            throw new MimeLimitExceededException(MimeLimit.SignatureBytes);
        }

        if (frame.Counts)
        {
            _budget.AddAttachmentBytes(decoded);
        }

        return Task.CompletedTask;
    }

    protected override Task OnMimePartContentEndAsync(long beginOffset, int beginLineNumber, long endOffset, int lines, NewLineFormat? newLineFormat, CancellationToken cancellationToken)
    {
        _guard.Progress();
        _frames.Peek().ContentEnd = endOffset;
        return Task.CompletedTask;
    }

    protected override Task OnMimePartEndAsync(ContentType contentType, long beginOffset, int beginLineNumber, long headersEndOffset, long endOffset, int lines, CancellationToken cancellationToken)
    {
        _guard.Progress();
        var frame = _frames.Pop();
        if (frame.Opaque != OpaqueKind.None)
        {
            var entity = new SignedEntity
            {
                Kind = SignedEntityKind.Opaque,
                Depth = Depth + 1,
                Begin = frame.ContentBegin,
                End = Math.Max(frame.ContentBegin, frame.ContentEnd),
                Encoding = frame.Encoding,
                From = NearestFrom(),
                CountsIfNotSigned = !CountingSuppressed(),
                DeclaredSignedData = frame.Opaque == OpaqueKind.SignedData,
            };
            _signed.Add(entity);
        }

        ExitChild(endOffset);
        return Task.CompletedTask;
    }

    /// <summary>Nesting depth of the entity being read: levels above it in this stream plus the base.</summary>
    private int Depth => _depthBase + _frames.Count(f => f.Kind != FrameKind.Message);

    private void EnterChild(long beginOffset)
    {
        _budget.CountPart(Depth + 1);
        if (_frames.Count > 0 && _frames.Peek() is { Kind: FrameKind.Multipart } parent)
        {
            parent.ChildIndex++;
            if (parent.IsSigned && parent.ChildIndex == 1)
            {
                parent.SignedBegin = beginOffset;
            }
        }
    }

    private void ExitChild(long endOffset)
    {
        if (_frames.Count > 0 && _frames.Peek() is { Kind: FrameKind.Multipart, IsSigned: true, ChildIndex: 1 } parent)
        {
            parent.SignedEnd = endOffset;
        }
    }

    private bool CountingSuppressed() => _frames.Count > 0 && _frames.Peek().SuppressCounting;

    private string? NearestFrom()
    {
        foreach (var f in _frames)
        {
            if (f.Kind == FrameKind.Message && f.From is not null)
            {
                return f.From;
            }
        }

        return _inheritedFrom;
    }

    private bool IsAttachment(ContentType contentType)
    {
        if (_pendingDisposition is not null && ContentDisposition.TryParse(_pendingDisposition, out var disposition))
        {
            if (disposition.IsAttachment || !string.IsNullOrEmpty(disposition.FileName))
            {
                return true;
            }
        }

        if (!string.IsNullOrEmpty(contentType.Name))
        {
            return true;
        }

        foreach (var t in ArchiveOrTnefTypes)
        {
            if (string.Equals(contentType.MimeType, t, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPkcs7Signature(ContentType t) =>
        t.IsMimeType("application", "pkcs7-signature") || t.IsMimeType("application", "x-pkcs7-signature");

    private static bool IsPkcs7Mime(ContentType t) =>
        t.IsMimeType("application", "pkcs7-mime") || t.IsMimeType("application", "x-pkcs7-mime");

    internal static ContentEncoding ParseEncoding(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "base64" => ContentEncoding.Base64,
        "quoted-printable" => ContentEncoding.QuotedPrintable,
        "x-uuencode" or "uuencode" or "x-uue" => ContentEncoding.UUEncode,
        "binary" => ContentEncoding.Binary,
        "8bit" => ContentEncoding.EightBit,
        "7bit" => ContentEncoding.SevenBit,
        _ => ContentEncoding.Default,
    };

    internal static IMimeDecoder? CreateDecoder(ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.Base64 => new Base64Decoder(),
        ContentEncoding.QuotedPrintable => new QuotedPrintableDecoder(),
        ContentEncoding.UUEncode => new UUDecoder(),
        _ => null,
    };

    private static string? FirstMailbox(string? headerValue)
    {
        if (headerValue is null || !InternetAddressList.TryParse(headerValue, out var list))
        {
            return null;
        }

        return list.Mailboxes.FirstOrDefault()?.Address;
    }

    private enum FrameKind
    {
        Message,
        Multipart,
        MessagePart,
        Part,
    }

    private enum OpaqueKind
    {
        None,
        SignedData,
        Unknown,
    }

    private sealed class Frame(FrameKind kind, ContentType? contentType)
    {
        public FrameKind Kind { get; } = kind;

        public ContentType? ContentType { get; } = contentType;

        public string? From { get; init; }

        public bool SuppressCounting { get; init; }

        public bool CountsWhole { get; init; }

        public bool IsSigned { get; init; }

        public int ChildIndex { get; set; }

        public long SignedBegin { get; set; } = -1;

        public long SignedEnd { get; set; } = -1;

        public MemoryStream? Signature { get; set; }

        public MemoryStream? SignatureSink { get; set; }

        public ContentEncoding Encoding { get; init; }

        public bool Counts { get; set; }

        public OpaqueKind Opaque { get; set; }

        public IMimeDecoder? Decoder { get; set; }

        public long ContentBegin { get; set; }

        public long ContentEnd { get; set; }
    }
}
