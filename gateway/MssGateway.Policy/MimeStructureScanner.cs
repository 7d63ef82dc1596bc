using System.Buffers;
using MimeKit;
using MimeKit.Encodings;

namespace MssGateway.Policy;

/// <summary>
/// One streaming pass over a stored message (or over unwrapped opaque S/MIME content) with MimeKit's
/// event reader: nothing but the current header block and small per-level state is held in memory,
/// whatever the size of the message (DESIGN.md §3 "Size": the counting streams).
/// It counts MIME parts and nesting, bounds header blocks, refuses structures a client and this
/// scanner could read differently (issue 12 rule 5: a duplicate Content-Type, -Transfer-Encoding or
/// -Disposition; a message/* or multipart/* part with an encoding, RFC 2045 §6.4), and sums the decoded
/// size of <b>what a mail client can save</b>: every leaf but the primary body text (the first
/// text/plain or text/html leaf, or the first multipart/alternative, not marked as an attachment),
/// named or not, inline or not, every leaf of a forwarded message/rfc822, and the uuencoded blocks
/// inside the primary body text. It also records the signed entities (RFC 8551 §3.5) for later
/// verification, the top-level Authentication-Results fields (RFC 8601 §5) and, for the stored
/// message, the top-level From/Sender fields and body type that sender binding needs.
/// </summary>
internal sealed class MimeStructureScanner : MimeReader
{
    private readonly HeaderGuardStream _guard;
    private readonly MimeScanBudget _budget;
    private readonly int _depthBase;
    private readonly string? _inheritedFrom;
    private readonly bool _insideForwarded;
    private readonly bool _outermost;
    private readonly Stack<Frame> _frames = new();
    private readonly List<SignedEntity> _signed = [];
    private readonly List<TopLevelHeader> _topLevelHeaders = [];
    private readonly MessageHeaderFacts _facts = new();

    private int _headerBlocks;
    private long _headerBlockBytes;
    private BlockHeaders _block;

    /// <param name="stream">The stored message or the unwrapped content of an opaque signed entity.</param>
    /// <param name="budget">The bounds shared by every scan of one message.</param>
    /// <param name="depthBase">Nesting depth of what <paramref name="stream"/> holds (0 for the stored message).</param>
    /// <param name="inheritedFrom">From of the message enclosing an unwrapped entity.</param>
    /// <param name="insideForwarded">The unwrapped entity sat inside a forwarded message/rfc822: all its leaves count.</param>
    public MimeStructureScanner(Stream stream, MimeScanBudget budget, int depthBase, string? inheritedFrom, bool insideForwarded = false)
        : this(new HeaderGuardStream(stream, budget.Options.MaxHeaderBytes), budget, depthBase, inheritedFrom, insideForwarded)
    {
    }

    private MimeStructureScanner(HeaderGuardStream guard, MimeScanBudget budget, int depthBase, string? inheritedFrom, bool insideForwarded)
        : base(CreateParserOptions(budget.Options), guard, MimeFormat.Entity)
    {
        _guard = guard;
        _budget = budget;
        _depthBase = depthBase;
        _inheritedFrom = inheritedFrom;
        _insideForwarded = insideForwarded;
        _outermost = depthBase == 0 && inheritedFrom is null && !insideForwarded;
    }

    /// <summary>
    /// Signed entities in document order (opaque ones without a smime-type are included; parsing tells
    /// later whether they hold signed-data or something to count as an attachment).
    /// </summary>
    public IReadOnlyList<SignedEntity> SignedEntities => _signed;

    /// <summary>Headers of the first header block (the message's own header), with their byte ranges.</summary>
    public IReadOnlyList<TopLevelHeader> TopLevelHeaders => _topLevelHeaders;

    /// <summary>From (first mailbox) of the outermost message of this stream, when it has one.</summary>
    public string? TopLevelFrom { get; private set; }

    /// <summary>The message's own From/Sender fields and body type (stored message only; empty for unwrapped content).</summary>
    public MessageHeaderFacts HeaderFacts => _facts;

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
        _block = default;
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
            case HeaderId.ContentType:
                // Two Content-Type fields: MimeKit keeps one, a client may keep the other (rule 5).
                Once(ref _block.ContentTypes, "Content-Type");
                _block.ContentTypeInvalid = !ContentType.TryParse(header.RawValue, out _);
                break;
            case HeaderId.ContentDisposition:
                Once(ref _block.Dispositions, "Content-Disposition");
                _block.Disposition = header.Value;
                break;
            case HeaderId.ContentTransferEncoding:
                Once(ref _block.Encodings, "Content-Transfer-Encoding");
                _block.TransferEncoding = header.Value;
                break;
            case HeaderId.From:
                _block.From ??= header.Value;
                break;
        }

        if (_headerBlocks == 1 && _frames.Count == 0)
        {
            // Only Authentication-Results values are needed (forged-header check); other values stay unread.
            var value = header.Id == HeaderId.AuthenticationResults ? header.Value : string.Empty;
            _topLevelHeaders.Add(new TopLevelHeader(header.Id, header.Field, value, header.Offset ?? -1, length));
            if (_outermost)
            {
                _facts.Add(header);
            }
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
        var from = FirstMailbox(_block.From);
        if (_frames.Count == 0 && TopLevelFrom is null)
        {
            TopLevelFrom = from;
        }

        var parent = _frames.Count > 0 ? _frames.Peek() : null;
        var forwarded = parent?.InsideForwarded ?? _insideForwarded;
        _frames.Push(new Frame(FrameKind.Message, null)
        {
            From = from ?? NearestFrom(),
            InsideForwarded = forwarded,
            Slot = forwarded ? null : parent is null ? _budget.PrimaryBody : parent.Slot,
        });
        return Task.CompletedTask;
    }

    protected override Task OnMimeMessageEndAsync(long beginOffset, int beginLineNumber, long headersEndOffset, long endOffset, int lines, CancellationToken cancellationToken)
    {
        _frames.Pop();
        return Task.CompletedTask;
    }

    protected override Task OnMultipartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        RefuseEncodedComposite(contentType);
        var parent = _frames.Count > 0 ? _frames.Peek() : null;
        NoteBodyType(contentType);
        var slot = EnterChild(beginOffset);
        var splits = false;
        if (MarkedAsAttachment(contentType))
        {
            slot = null; // a multipart sent as an attachment: everything in it counts
        }
        else if (slot is { Taken: false } && contentType.IsMimeType("multipart", "alternative"))
        {
            // The first multipart/alternative is the body: each alternative holds one body text in one form.
            slot.Taken = true;
            splits = true;
        }

        var frame = new Frame(FrameKind.Multipart, contentType)
        {
            IsSigned = contentType.IsMimeType("multipart", "signed"),
            InsideForwarded = parent?.InsideForwarded ?? _insideForwarded,
            Slot = slot,
            SplitsSlots = splits,
            IsMessageBody = IsMessageBody(parent),
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

                // RFC 1847 §2.1: exactly two parts; a third one is content the signature does not cover.
                IsWholeBody = frame.IsMessageBody && frame.ChildIndex == 2,
                InsideForwarded = frame.InsideForwarded,
            });
        }

        ExitChild(endOffset);
        return Task.CompletedTask;
    }

    protected override Task OnMessagePartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        RefuseEncodedComposite(contentType);
        var parent = _frames.Count > 0 ? _frames.Peek() : null;
        NoteBodyType(contentType);
        EnterChild(beginOffset);

        // A forwarded message can be saved whole: every leaf inside it counts, its text bodies included.
        _frames.Push(new Frame(FrameKind.MessagePart, contentType) { InsideForwarded = true, Slot = null });
        return Task.CompletedTask;
    }

    protected override Task OnMessagePartEndAsync(ContentType contentType, long beginOffset, int beginLineNumber, long headersEndOffset, long endOffset, int lines, CancellationToken cancellationToken)
    {
        _guard.Progress();
        _frames.Pop();
        ExitChild(endOffset);
        return Task.CompletedTask;
    }

    protected override Task OnMimePartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        if (contentType.MediaType.Equals("message", StringComparison.OrdinalIgnoreCase))
        {
            // message/delivery-status, message/disposition-notification… are leaves to MimeKit, but RFC 2045 §6.4 still applies.
            RefuseEncodedComposite(contentType);
        }

        var parent = _frames.Count > 0 ? _frames.Peek() : null;
        NoteBodyType(contentType);
        var slot = EnterChild(beginOffset);
        var frame = new Frame(FrameKind.Part, contentType)
        {
            Encoding = ParseEncoding(_block.TransferEncoding),
            InsideForwarded = parent?.InsideForwarded ?? _insideForwarded,
            Slot = slot,
        };

        if (parent is { IsSigned: true, ChildIndex: 2 } && IsPkcs7Signature(contentType))
        {
            // The detached signature is kept for verification, and counted: a client can save smime.p7s.
            parent.Signature = new MemoryStream();
            frame.SignatureSink = parent.Signature;
            frame.Counts = true;
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
                    // here; the stored (encrypted) size counts.
                    frame.Counts = true;
                    break;
            }

            frame.IsMessageBody = IsMessageBody(parent);
        }
        else if (IsPrimaryBodyText(contentType, frame))
        {
            // Displayed, not saved: it does not count, but a uuencoded file inside it does.
            frame.Uuencode = new UuencodedBlockCounter(_budget);
        }
        else
        {
            frame.Counts = true;
        }

        if (frame.Counts || frame.SignatureSink is not null || frame.Uuencode is not null)
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
        if (!frame.Counts && frame.SignatureSink is null && frame.Uuencode is null)
        {
            return Task.CompletedTask;
        }

        if (frame.Decoder is null)
        {
            Consume(frame, content.AsSpan(startIndex, count));
            return Task.CompletedTask;
        }

        var output = ArrayPool<byte>.Shared.Rent(frame.Decoder.EstimateOutputLength(count));
        try
        {
            var n = frame.Decoder.Decode(content, startIndex, count, output);
            Consume(frame, output.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }

        return Task.CompletedTask;
    }

    protected override Task OnMimePartContentEndAsync(long beginOffset, int beginLineNumber, long endOffset, int lines, NewLineFormat? newLineFormat, CancellationToken cancellationToken)
    {
        _guard.Progress();
        var frame = _frames.Peek();
        frame.ContentEnd = endOffset;
        frame.Uuencode?.Complete();
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
                DeclaredSignedData = frame.Opaque == OpaqueKind.SignedData,
                IsWholeBody = frame.IsMessageBody,
                InsideForwarded = frame.InsideForwarded,
            };
            _signed.Add(entity);
        }

        ExitChild(endOffset);
        return Task.CompletedTask;
    }

    /// <summary>Nesting depth of the entity being read: levels above it in this stream plus the base.</summary>
    private int Depth => _depthBase + _frames.Count(f => f.Kind != FrameKind.Message);

    private void Consume(Frame frame, ReadOnlySpan<byte> decoded)
    {
        if (frame.SignatureSink is not null)
        {
            frame.SignatureSink.Write(decoded);
            if (frame.SignatureSink.Length > _budget.Options.MaxSignatureBytes)
            {
                throw new MimeLimitExceededException(MimeLimit.SignatureBytes);
            }
        }

        if (frame.Counts)
        {
            _budget.AddAttachmentBytes(decoded.Length);
        }

        frame.Uuencode?.Write(decoded);
    }

    /// <summary>True for the entity that is the body of the stored message itself (not inside a multipart or a forwarded message).</summary>
    private bool IsMessageBody(Frame? parent) => _outermost && parent is { Kind: FrameKind.Message } && _frames.Count == 1;

    /// <summary>
    /// The primary body text (rule 5): a text/plain or text/html leaf not marked as an attachment, not
    /// inside a forwarded message, that takes a free body slot — the message's one slot (its first such
    /// leaf), or, inside the primary multipart/alternative, the slot of one alternative (its first such leaf).
    /// </summary>
    private bool IsPrimaryBodyText(ContentType contentType, Frame frame)
    {
        if (frame.Slot is not { Taken: false } slot || !(contentType.IsMimeType("text", "plain") || contentType.IsMimeType("text", "html")) || MarkedAsAttachment(contentType))
        {
            return false;
        }

        slot.Taken = true;
        return true;
    }

    /// <summary>
    /// Marked as an attachment: a disposition other than inline, a file name (disposition or type), a
    /// Content-Disposition MimeKit cannot parse, or a Content-Type it cannot parse (it then reports the
    /// default text/plain, which must not pass for the body).
    /// </summary>
    private bool MarkedAsAttachment(ContentType contentType)
    {
        if (_block.ContentTypeInvalid)
        {
            return true;
        }

        if (_block.Disposition is not null)
        {
            if (!ContentDisposition.TryParse(_block.Disposition, out var disposition))
            {
                return true;
            }

            // RFC 2183 §2.8: an unrecognised disposition type is treated as attachment.
            if (!disposition.Disposition.Equals(ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase) || !string.IsNullOrEmpty(disposition.FileName))
            {
                return true;
            }
        }

        return !string.IsNullOrEmpty(contentType.Name);
    }

    /// <summary>RFC 2045 §6.4: message/* and multipart/* entities are 7bit, 8bit or binary; anything else is malformed.</summary>
    private void RefuseEncodedComposite(ContentType contentType)
    {
        var encoding = _block.TransferEncoding?.Trim();
        if (string.IsNullOrEmpty(encoding) || encoding.Equals("7bit", StringComparison.OrdinalIgnoreCase)
            || encoding.Equals("8bit", StringComparison.OrdinalIgnoreCase) || encoding.Equals("binary", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        throw new MalformedMimeException($"{contentType.MediaType}/* entity with Content-Transfer-Encoding other than 7bit, 8bit or binary (RFC 2045 §6.4)");
    }

    private void NoteBodyType(ContentType contentType)
    {
        if (_outermost && _frames.Count == 1 && _frames.Peek().Kind == FrameKind.Message && _facts.BodyType is null)
        {
            _facts.BodyType = contentType;
        }
    }

    /// <summary>Counts the entity starting here and returns the body slot it may take (null: it cannot be body text).</summary>
    private MimeScanBudget.BodySlot? EnterChild(long beginOffset)
    {
        _budget.CountPart(Depth + 1);
        if (_frames.Count == 0)
        {
            return _insideForwarded ? null : _budget.PrimaryBody;
        }

        var parent = _frames.Peek();
        if (parent is { Kind: FrameKind.Multipart })
        {
            parent.ChildIndex++;
            if (parent.IsSigned && parent.ChildIndex == 1)
            {
                parent.SignedBegin = beginOffset;
            }

            if (parent.SplitsSlots)
            {
                return new MimeScanBudget.BodySlot();
            }
        }

        return parent.Slot;
    }

    private void ExitChild(long endOffset)
    {
        if (_frames.Count > 0 && _frames.Peek() is { Kind: FrameKind.Multipart, IsSigned: true, ChildIndex: 1 } parent)
        {
            parent.SignedEnd = endOffset;
        }
    }

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

    private static void Once(ref int count, string field)
    {
        if (++count > 1)
        {
            throw new MalformedMimeException($"two {field} fields in one header block");
        }
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

    /// <summary>What one header block said, for the entity it starts.</summary>
    private struct BlockHeaders
    {
        public int ContentTypes;
        public int Encodings;
        public int Dispositions;
        public bool ContentTypeInvalid;
        public string? Disposition;
        public string? TransferEncoding;
        public string? From;
    }

    private sealed class Frame(FrameKind kind, ContentType? contentType)
    {
        public FrameKind Kind { get; } = kind;

        public ContentType? ContentType { get; } = contentType;

        public string? From { get; init; }

        /// <summary>Inside a forwarded message/rfc822: every leaf counts.</summary>
        public bool InsideForwarded { get; init; }

        /// <summary>The body slot this entity's text leaves may take; null inside forwarded messages and attached multiparts.</summary>
        public MimeScanBudget.BodySlot? Slot { get; init; }

        /// <summary>The primary multipart/alternative: each child gets its own body slot.</summary>
        public bool SplitsSlots { get; init; }

        /// <summary>This entity is the stored message's body itself.</summary>
        public bool IsMessageBody { get; set; }

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

        public UuencodedBlockCounter? Uuencode { get; set; }

        public long ContentBegin { get; set; }

        public long ContentEnd { get; set; }
    }
}
