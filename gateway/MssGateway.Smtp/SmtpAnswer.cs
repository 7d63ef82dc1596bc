namespace MssGateway.Smtp;

/// <summary>
/// A reply and who decided it: the engine (then it must come from <see cref="SmtpReplies"/>) or the
/// product's hooks (their refusals and their end-of-data answer).
/// </summary>
internal readonly record struct SmtpAnswer(SmtpReply Reply, bool FromProduct)
{
    public static SmtpAnswer Engine(SmtpReply reply) => new(reply, false);

    public static SmtpAnswer Product(SmtpReply reply) => new(reply, true);
}
