using Microsoft.Extensions.Logging;

namespace MssGateway.Policy;

/// <summary>Log events of the message policy. Never a body, subject, attachment name or address.</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Message policy on {Listener}: {Outcome} reason={Reason} smime={SmimeVerdict} attachment_bytes={AttachmentBytes} parts={MimeParts} forged_ar={ForgedHeaders}")]
    public static partial void Evaluated(ILogger logger, string listener, string outcome, string? reason, string smimeVerdict, long attachmentBytes, int mimeParts, int forgedHeaders);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Message policy on {Listener}: MIME parse error ({Error})")]
    public static partial void MimeParseError(ILogger logger, string listener, string error);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Sender binding on {Listener}: not bound at end of data, mode={Mode} reason={Reason}: {Detail}")]
    public static partial void SenderNotBound(ILogger logger, string listener, string mode, string reason, string detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "S/MIME signature on {Listener}: {SmimeVerdict} signer_national_id={NationalIdentifier} detail={Detail}")]
    public static partial void SignatureChecked(ILogger logger, string listener, string smimeVerdict, string? nationalIdentifier, string? detail);
}
