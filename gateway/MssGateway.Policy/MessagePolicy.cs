using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;
using MssGateway.Directory;
using MssGateway.Spool.Encryption;

namespace MssGateway.Policy;

/// <summary>
/// The end-of-data message policy (DESIGN.md §1 "end of data → MIME policy", issues 4 and 12): one
/// streaming pass over the stored message bounds its MIME structure (depth, parts, header blocks),
/// refuses ambiguous structures and sums the decoded size of what a client can save; opaque S/MIME
/// content is unwrapped to a temporary file and scanned the same way; the sender is bound to the
/// client certificate (<see cref="SenderBindingPolicy"/>: null sender, From and Sender fields); the
/// outermost signature is verified, its signer validated by the trust engine now and matched with From,
/// and only a signature over the whole body may pass; the listener's <see cref="SmimePolicy"/> and
/// <see cref="SenderBindingMode"/> turn verdicts into refusals or tags. Accepted mail gets an
/// Authentication-Results header; top-level ones claiming our authserv-id are reported for removal
/// (RFC 8601 §5).
/// </summary>
public sealed class MessagePolicy
{
    private readonly MessagePolicyOptions _options;
    private readonly ISmimeSignerValidator _validator;
    private readonly IMailboxDirectory _directory;
    private readonly SenderBindingPolicy _binding;
    private readonly PolicyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<MessagePolicy> _logger;
    private readonly SmimeSignatureVerifier _verifier = new(new SignerKeyCache());

    public MessagePolicy(
        IOptions<MessagePolicyOptions> options,
        ISmimeSignerValidator validator,
        IMailboxDirectory directory,
        SenderBindingPolicy binding,
        PolicyMetrics metrics,
        TimeProvider? time = null,
        ILogger<MessagePolicy>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _validator = validator ?? throw new ArgumentNullException(nameof(validator));
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _binding = binding ?? throw new ArgumentNullException(nameof(binding));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<MessagePolicy>.Instance;
    }

    /// <summary>
    /// Evaluates the stored message. <paramref name="message"/> must be readable and seekable; it is read
    /// from offset 0 and left open. Byte ranges in the verdict are offsets from 0 in that stream.
    /// </summary>
    public async ValueTask<MessagePolicyVerdict> EvaluateAsync(Stream message, MessagePolicyContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        if (!message.CanSeek || !message.CanRead)
        {
            throw new ArgumentException("The stored message stream must be readable and seekable.", nameof(message));
        }

        var budget = new MimeScanBudget(_options);
        var verdict = await EvaluateCoreAsync(message, context, budget, ct).ConfigureAwait(false);

        _metrics.AttachmentBytes(budget.AttachmentBytes);
        if (context.SmimePolicy != SmimePolicy.Off && verdict.Refusal is not (PolicyRefusal.AttachmentsTooBig or PolicyRefusal.MimeTooComplex or PolicyRefusal.MimeMalformed or PolicyRefusal.SenderNotBound or PolicyRefusal.HeaderFromNotBound))
        {
            _metrics.SmimeVerdict(verdict.SmimeVerdict);
        }

        if (verdict.RefusalReason is { } reason)
        {
            _metrics.Refused(reason);
        }

        // A MAIL FROM violation (tagged) was counted when it was found; end-of-data ones here.
        if (verdict.SenderBindingViolation is { } violation && !ReferenceEquals(violation, context.MailFromBinding?.Violation))
        {
            _metrics.SenderBindingViolation(context.ListenerName, context.SenderBinding, violation.Reason);
            PolicyLog.SenderNotBound(_logger, context.ListenerName, context.SenderBinding == SenderBindingMode.Tag ? "tag" : "enforce", violation.Reason, violation.Detail);
        }

        PolicyLog.Evaluated(
            _logger,
            context.ListenerName,
            verdict.IsAccepted ? "accepted" : "refused",
            verdict.RefusalReason,
            verdict.SmimeLabel,
            verdict.AttachmentBytes,
            verdict.MimeParts,
            verdict.ForgedHeaderRanges.Count);
        return verdict;
    }

    private async ValueTask<MessagePolicyVerdict> EvaluateCoreAsync(Stream message, MessagePolicyContext context, MimeScanBudget budget, CancellationToken ct)
    {
        MimeStructureScanner scan;
        var signatures = new Dictionary<SignedEntity, SignatureCheck?>(ReferenceEqualityComparer.Instance);
        var verify = context.SmimePolicy != SmimePolicy.Off;
        try
        {
            message.Position = 0;
            scan = new MimeStructureScanner(message, budget, depthBase: 0, inheritedFrom: null);
            await scan.ReadMessageAsync(ct).ConfigureAwait(false);

            // Opaque entities must be opened whatever the policy: their content holds attachments.
            foreach (var entity in scan.SignedEntities.Where(e => e.Kind == SignedEntityKind.Opaque))
            {
                signatures[entity] = await UnwrapOpaqueAsync(message, entity, budget, ct).ConfigureAwait(false);
            }
        }
        catch (MimeLimitExceededException e)
        {
            var reply = e.Limit == MimeLimit.AttachmentBytes ? PolicyRefusal.AttachmentsTooBig : PolicyRefusal.MimeTooComplex;
            return new MessagePolicyVerdict { Refusal = reply, AttachmentBytes = budget.AttachmentBytes, MimeParts = budget.Parts };
        }
        catch (FormatException e)
        {
            // Log-safe: the scanner's own messages name the rule broken; MimeKit's may quote content.
            PolicyLog.MimeParseError(_logger, context.ListenerName, e is MalformedMimeException ? e.Message : e.GetType().Name);
            return new MessagePolicyVerdict { Refusal = PolicyRefusal.MimeMalformed, AttachmentBytes = budget.AttachmentBytes, MimeParts = budget.Parts };
        }

        // Sender binding before S/MIME: a message refused for its sender needs no signature check.
        var violation = context.MailFromBinding?.Violation;
        if (violation is null && context.ClientIdentity is { } identity && context.MailFromBinding is { } mailFrom)
        {
            violation = await _binding.CheckMessageAsync(identity, mailFrom, scan.HeaderFacts, ct).ConfigureAwait(false);
        }

        if (violation is not null && context.SenderBinding == SenderBindingMode.Enforce)
        {
            return new MessagePolicyVerdict { Refusal = violation.Refusal, SenderBindingViolation = violation, AttachmentBytes = budget.AttachmentBytes, MimeParts = budget.Parts };
        }

        var forged = ForgedRanges(scan.TopLevelHeaders);
        var smime = SmimeVerdict.None;
        SmimeSignerSummary? signer = null;
        string? matchedFrom = null;
        if (verify)
        {
            (smime, signer, matchedFrom) = await VerifyOutermostAsync(message, scan, signatures, context, ct).ConfigureAwait(false);
        }

        var refusal = context.SmimePolicy == SmimePolicy.Require ? RequireRefusal(smime) : null;
        return new MessagePolicyVerdict
        {
            Refusal = refusal,
            SmimeVerdict = smime,
            AttachmentBytes = budget.AttachmentBytes,
            MimeParts = budget.Parts,
            ForgedHeaderRanges = forged,
            Signer = signer,
            SenderBindingViolation = violation,
            AuthenticationResultsHeader = refusal is null
                ? AuthenticationResultsHeader.Build(_options.AuthServId ?? "localhost", context, smime, signer, matchedFrom, violation)
                : null,
        };
    }

    private static PolicyRefusal? RequireRefusal(SmimeVerdict verdict) => verdict switch
    {
        SmimeVerdict.Pass => null,
        SmimeVerdict.None => PolicyRefusal.SmimeMissing,
        SmimeVerdict.Fail or SmimeVerdict.PermError => PolicyRefusal.SmimeInvalid,
        SmimeVerdict.SignerMismatch => PolicyRefusal.SmimeSignerMismatch,
        SmimeVerdict.Partial => PolicyRefusal.SmimePartial,
        SmimeVerdict.WeakAlgorithm => PolicyRefusal.SmimeWeakAlgorithm,
        _ => PolicyRefusal.SmimeUntrusted,
    };

    /// <summary>
    /// Decodes an opaque application/pkcs7-mime part; when it holds signed-data, copies the signed
    /// content to a temporary file (bounded memory), checks the signature and scans that content for
    /// attachments and nested entities. Returns the signature check, or null when it was not signed-data.
    /// </summary>
    private async ValueTask<SignatureCheck?> UnwrapOpaqueAsync(Stream source, SignedEntity entity, MimeScanBudget budget, CancellationToken ct)
    {
        var tempPath = Path.Combine(_options.TempPath ?? Path.GetTempPath(), "mssgw-smime-" + Guid.NewGuid().ToString("N"));
        // Sealed under a key held in memory only: the signed content in clear never reaches the temp directory (the spool volume).
        await using var content = new SealedTempFile(tempPath);
        SignatureCheck? check;
        using (var cms = OpenDecoded(source, entity))
        {
            check = _verifier.VerifyOpaque(cms, content);
        }

        if (check is null || check.Outcome == SignatureOutcome.PermError)
        {
            // Enveloped (or other) CMS that cannot be opened here, or signed-data that does not parse: a
            // client offers it as a file (smime.p7m), so its decoded size counts.
            using (var raw = OpenDecoded(source, entity))
            {
                budget.AddAttachmentBytes(await CountAsync(raw, ct).ConfigureAwait(false));
            }

            if (check is null && entity.DeclaredSignedData)
            {
                return SignatureCheck.Error("smime-type=signed-data but the content is not CMS SignedData");
            }

            return check;
        }

        content.Position = 0;
        var inner = new MimeStructureScanner(content, budget, entity.Depth, entity.From, entity.InsideForwarded);
        await inner.ReadEntityAsync(ct).ConfigureAwait(false);
        foreach (var nested in inner.SignedEntities.Where(e => e.Kind == SignedEntityKind.Opaque))
        {
            // Nested signatures are not the verdict (the outermost is), but their content is scanned.
            await UnwrapOpaqueAsync(content, nested, budget, ct).ConfigureAwait(false);
        }

        return check;
    }

    private static Stream OpenDecoded(Stream source, SignedEntity entity)
    {
        var bound = new BoundStream(source, entity.Begin, entity.End, leaveOpen: true);
        var filtered = new FilteredStream(bound);
        if (MimeStructureScanner.CreateDecoder(entity.Encoding) is { } decoder)
        {
            filtered.Add(new DecoderFilter(decoder));
        }

        return filtered;
    }

    private static async ValueTask<long> CountAsync(Stream stream, CancellationToken ct)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(0, 81920), ct).ConfigureAwait(false)) > 0)
            {
                total += n;
            }

            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<(SmimeVerdict Verdict, SmimeSignerSummary? Signer, string? From)> VerifyOutermostAsync(
        Stream message, MimeStructureScanner scan, Dictionary<SignedEntity, SignatureCheck?> opaque, MessagePolicyContext context, CancellationToken ct)
    {
        // Candidates: detached ones, and opaque ones that proved to be signed-data; the outermost wins,
        // first in document order among equals.
        var outermost = scan.SignedEntities
            .Where(e => e.Kind == SignedEntityKind.Detached || opaque.GetValueOrDefault(e) is not null)
            .OrderBy(e => e.Depth)
            .FirstOrDefault();
        if (outermost is null)
        {
            return (SmimeVerdict.None, null, null);
        }

        SignatureCheck check;
        if (outermost.Kind == SignedEntityKind.Detached && outermost.End < outermost.Begin)
        {
            // The signed part never ended (a truncated multipart/signed): BoundStream refused the range
            // with ArgumentOutOfRangeException (fuzzing finding). Nothing whole was signed.
            check = SignatureCheck.Failed("the signed part of multipart/signed has no end");
        }
        else if (outermost.Kind == SignedEntityKind.Detached)
        {
            using var signed = new BoundStream(message, outermost.Begin, outermost.End, leaveOpen: true);
            check = _verifier.VerifyDetached(signed, outermost.Signature ?? []);
        }
        else
        {
            check = opaque[outermost]!;
        }

        var from = outermost.From ?? scan.TopLevelFrom;
        if (check.Outcome is SignatureOutcome.Invalid or SignatureOutcome.PermError || check.Signer is null)
        {
            var failed = check.Outcome == SignatureOutcome.PermError ? SmimeVerdict.PermError : SmimeVerdict.Fail;
            PolicyLog.SignatureChecked(_logger, context.ListenerName, failed.ToLabel(), null, check.Failure);
            return (failed, null, from);
        }

        var validation = await _validator.ValidateAsync(check.Signer, check.ExtraCertificates, UsableSigningTime(check.SigningTime, context), ct).ConfigureAwait(false);
        var emails = CertificateEmails(check.Signer).Concat(validation.EmailAddresses).Select(AddressKey.Normalise).Distinct().ToList();
        var summary = new SmimeSignerSummary
        {
            Identifier = emails.FirstOrDefault() ?? check.Signer.Subject,
            SerialNumber = check.Signer.SerialNumber.ToUpperInvariant(),
            Issuer = check.Signer.Issuer,
            NationalIdentifier = validation.NationalIdentifier,
        };

        var verdict = validation.Status switch
        {
            SignerTrustStatus.Revoked => SmimeVerdict.Revoked,
            SignerTrustStatus.Expired => SmimeVerdict.Expired,
            SignerTrustStatus.Untrusted => SmimeVerdict.Untrusted,
            _ when check.Outcome == SignatureOutcome.Weak => SmimeVerdict.WeakAlgorithm,
            _ when !await MatchesFromAsync(from, emails, validation.NationalIdentifier, ct).ConfigureAwait(false) => SmimeVerdict.SignerMismatch,

            // Signed by that signer, but not the whole message: what the reader sees beside it is unsigned.
            _ when !outermost.IsWholeBody => SmimeVerdict.Partial,
            _ => SmimeVerdict.Pass,
        };
        PolicyLog.SignatureChecked(_logger, context.ListenerName, verdict.ToLabel(), validation.NationalIdentifier, check.Outcome == SignatureOutcome.Weak ? check.Failure : validation.Detail);
        return (verdict, summary, from);
    }

    /// <summary>
    /// The signed signingTime if it may be used (for expiry only): inside [received − SigningTimeWindow,
    /// now + SigningTimeSkew]. A claim further back is the backdating of issue 12 rule 4 and is ignored.
    /// </summary>
    private DateTimeOffset? UsableSigningTime(DateTimeOffset? signingTime, MessagePolicyContext context)
    {
        if (signingTime is not { } claimed)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var received = context.ReceivedAt ?? now;
        return claimed >= received - _options.SigningTimeWindow && claimed <= now + _options.SigningTimeSkew ? claimed : null;
    }

    /// <summary>
    /// The signer matches when one of its certificate's addresses is the From address, or when the
    /// directory says the From mailbox belongs to the signer's national identifier.
    /// </summary>
    private async ValueTask<bool> MatchesFromAsync(string? from, List<string> signerEmails, string? nationalIdentifier, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(from))
        {
            return false;
        }

        var key = AddressKey.Normalise(from);
        if (signerEmails.Contains(key, StringComparer.Ordinal))
        {
            return true;
        }

        if (string.IsNullOrEmpty(nationalIdentifier))
        {
            return false;
        }

        var mailbox = await _directory.FindByAddressAsync(key, ct).ConfigureAwait(false);
        return mailbox?.NationalIdentifier is { } holder && string.Equals(holder.Trim(), nationalIdentifier.Trim(), StringComparison.Ordinal);
    }

    private static IEnumerable<string> CertificateEmails(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (var entry in SanEmails(san))
                {
                    yield return entry;
                }
            }
        }

        var subjectEmail = certificate.GetNameInfo(X509NameType.EmailName, forIssuer: false);
        if (!string.IsNullOrEmpty(subjectEmail))
        {
            yield return subjectEmail;
        }
    }

    private static List<string> SanEmails(X509SubjectAlternativeNameExtension san)
    {
        // .NET exposes DNS names and IP addresses only; read rfc822Name [1] IA5String entries directly.
        var found = new List<string>();
        try
        {
            var reader = new System.Formats.Asn1.AsnReader(san.RawData, System.Formats.Asn1.AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            var rfc822 = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 1);
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(rfc822))
                {
                    found.Add(names.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, rfc822));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            // The signer's certificate is the sender's to make (a non-ASCII rfc822Name, a broken SAN): its
            // SAN addresses do not count, and the message gets a verdict, not an exception (fuzzing finding).
            return [];
        }

        return found;
    }

    private List<ByteRange> ForgedRanges(IReadOnlyList<TopLevelHeader> headers)
    {
        var ranges = new List<ByteRange>();
        for (var i = 0; i < headers.Count; i++)
        {
            var h = headers[i];
            if (h.Id != HeaderId.AuthenticationResults || h.Offset < 0)
            {
                continue;
            }

            var id = AuthenticationResultsHeader.ParseAuthServId(h.Value);
            if (id is null || !string.Equals(id, _options.AuthServId, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // The next field's offset is exact whatever the spacing around the colon.
            var length = i + 1 < headers.Count && headers[i + 1].Offset > h.Offset ? headers[i + 1].Offset - h.Offset : h.Length;
            ranges.Add(new ByteRange(h.Offset, length));
        }

        return ranges;
    }
}
