using Microsoft.Extensions.Options;

namespace MssGateway.Smtp;

/// <summary>
/// Start-up validation of <see cref="SmtpServerLimits"/> bound at <paramref name="section"/> (the gateway's
/// <c>Gateway:Smtp:Limits</c>): every limit that cannot work, each named by its full key with the fix
/// (the RFC 5321 floor where there is one), all at once.
/// </summary>
public sealed class SmtpServerLimitsValidator(string section = SmtpServerLimits.Section) : IValidateOptions<SmtpServerLimits>
{
    public ValidateOptionsResult Validate(string? name, SmtpServerLimits options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Problems(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private List<string> Problems(SmtpServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new List<string>();
        Require(limits.MaxCommandLineLength >= 512, nameof(SmtpServerLimits.MaxCommandLineLength), "must be at least 512 (RFC 5321 §4.5.3.1.4)");
        Require(limits.MaxTextLineLength >= 1000, nameof(SmtpServerLimits.MaxTextLineLength), "must be at least 1000 (RFC 5321 §4.5.3.1.6)");
        Require(limits.MaxMessageSize >= 64 * 1024, nameof(SmtpServerLimits.MaxMessageSize), "must be at least 65536 (RFC 5321 §4.5.3.1.7)");
        Require(limits.MaxRecipients >= 1, nameof(SmtpServerLimits.MaxRecipients), "must be at least 1");
        Require(limits.MaxErrors >= 1, nameof(SmtpServerLimits.MaxErrors), "must be at least 1");
        Require(limits.MaxMessagesPerSession >= 1, nameof(SmtpServerLimits.MaxMessagesPerSession), "must be at least 1");
        Require(limits.MaxConcurrentSessions >= 1, nameof(SmtpServerLimits.MaxConcurrentSessions), "must be at least 1");
        Require(limits.MaxConcurrentSessionsPerClient >= 1, nameof(SmtpServerLimits.MaxConcurrentSessionsPerClient), "must be at least 1");
        Require(limits.CommandTimeout > TimeSpan.Zero, nameof(SmtpServerLimits.CommandTimeout), "must be positive (e.g. 00:05:00)");
        Require(limits.DataBlockTimeout > TimeSpan.Zero, nameof(SmtpServerLimits.DataBlockTimeout), "must be positive (e.g. 00:03:00)");
        Require(limits.TlsHandshakeTimeout > TimeSpan.Zero, nameof(SmtpServerLimits.TlsHandshakeTimeout), "must be positive (e.g. 00:00:30)");
        Require(limits.MaxSessionDuration > TimeSpan.Zero, nameof(SmtpServerLimits.MaxSessionDuration), "must be positive (e.g. 00:30:00)");
        Require(limits.MaxChunkSize > 0, nameof(SmtpServerLimits.MaxChunkSize), "must be positive");
        Require(limits.MaxConnectionRatePerClient >= 0, nameof(SmtpServerLimits.MaxConnectionRatePerClient), "must be zero (off) or positive");
        Require(limits.ConnectionRateWindow >= TimeSpan.FromSeconds(1), nameof(SmtpServerLimits.ConnectionRateWindow), "must be at least 00:00:01");
        Require(limits.MaxCommandsBeforeTls >= 2, nameof(SmtpServerLimits.MaxCommandsBeforeTls), "must be at least 2 (EHLO, STARTTLS)");
        Require(limits.TlsStartTimeout > TimeSpan.Zero, nameof(SmtpServerLimits.TlsStartTimeout), "must be positive (e.g. 00:00:30)");
        Require(limits.MinDataRate >= 0, nameof(SmtpServerLimits.MinDataRate), "must be zero (off) or positive (octets per second, e.g. 500)");
        Require(limits.MinDataRateGracePeriod >= TimeSpan.Zero, nameof(SmtpServerLimits.MinDataRateGracePeriod), "must be zero or positive (e.g. 00:00:10)");
        Require(limits.MaxUnflushedReplyBytes >= 512, nameof(SmtpServerLimits.MaxUnflushedReplyBytes), "must be at least 512");
        Require(limits.ReplyFlushTimeout > TimeSpan.Zero, nameof(SmtpServerLimits.ReplyFlushTimeout), "must be positive (e.g. 00:01:00)");
        var minReadAhead = Math.Max(4096L, 2L * Math.Max(limits.MaxCommandLineLength, limits.MaxTextLineLength));
        Require(limits.MaxReadBufferSize >= minReadAhead, nameof(SmtpServerLimits.MaxReadBufferSize), $"must be at least {minReadAhead} (4096, and twice the longest line, MaxCommandLineLength or MaxTextLineLength: a line must fit in what the transport reads ahead)");
        Require(limits.MaxOffencesPerClient >= 0, nameof(SmtpServerLimits.MaxOffencesPerClient), "must be zero (off) or positive (e.g. 10)");
        Require(limits.OffenceWindow > TimeSpan.Zero, nameof(SmtpServerLimits.OffenceWindow), "must be positive (e.g. 00:10:00)");
        Require(limits.OffencePenalty > TimeSpan.Zero, nameof(SmtpServerLimits.OffencePenalty), "must be positive (e.g. 00:10:00)");
        Require(limits.PenaltyTarpit >= TimeSpan.Zero && limits.PenaltyTarpit <= TimeSpan.FromMinutes(5), nameof(SmtpServerLimits.PenaltyTarpit), "must be between 00:00:00 (refuse at once) and 00:05:00 (e.g. 00:00:30)");
        for (var i = 0; i < limits.PenaltyExemptNetworks.Count; i++)
        {
            Require(System.Net.IPNetwork.TryParse(limits.PenaltyExemptNetworks[i], out _), $"{nameof(SmtpServerLimits.PenaltyExemptNetworks)}:{i}", $"\"{limits.PenaltyExemptNetworks[i]}\" is not a CIDR block (e.g. 10.20.0.0/16 or 2001:db8::/32)");
        }

        Require(limits.ProxyHeaderTimeout > TimeSpan.Zero, nameof(SmtpServerLimits.ProxyHeaderTimeout), "must be positive (e.g. 00:00:10)");
        return errors;

        void Require(bool ok, string key, string fix)
        {
            if (!ok)
            {
                errors.Add($"{section}:{key} {fix}.");
            }
        }
    }
}
