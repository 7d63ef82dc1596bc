using Microsoft.Extensions.DependencyInjection;
using MssGateway.Trust;

namespace MssGateway.Policy.Tests;

/// <summary>
/// Issue 12 rule 1 at the policy: MAIL FROM (the null sender included) and the message's own From and
/// Sender fields are bound to the client certificate's holder, whatever MAIL FROM said. The
/// identities are those the trust engine gives (kind from the issuing CA); the directory is a real
/// file-backed one. Each test is an attacker's move with a valid certificate.
/// </summary>
public sealed class SenderBindingRulesTests : IDisposable
{
    private const string Holder = "dev.sender@hopital.mssante.test";
    private const string HolderId = "899700012349";
    private const string Colleague = "other.doctor@clinique.mssante.test";
    private const string Secretariat = "secretariat@hopital.mssante.test";
    private const string UnlistedDomainMailbox = "dr.listed@pas-autorise.test";
    private const string HospitalDn = "CN=gw.hopital.mssante.test,OU=1750000000,O=HOPITAL,ST=Paris (75),C=FR";
    private const string CliniqueDn = "CN=gw.clinique.mssante.test,OU=1750000001,O=CLINIQUE,ST=Rhone (69),C=FR";

    private readonly PolicyHarness _harness = new(directory: new
    {
        mailboxes = new object[]
        {
            new { address = Holder, kind = "Personal", nationalIdentifier = HolderId, structureIdentifier = "1750000000" },
            new { address = Colleague, kind = "Personal", nationalIdentifier = "899700044444" },
            new { address = Secretariat, kind = "Organisational", structureIdentifier = "1750000000" },
            new { address = UnlistedDomainMailbox, kind = "Personal", nationalIdentifier = "899700099999" },
        },
        authorisedDomains = new object[]
        {
            new { domain = "hopital.mssante.test", operatorCertificateSubjects = new[] { HospitalDn } },
            new { domain = "clinique.mssante.test", operatorCertificateSubjects = new[] { CliniqueDn } },
        },
    });

    private static CertificateIdentity Cps(string id = HolderId) => Identity(CertificateKind.PersonalCps, $"CN={id}+SN=SENDER+GN=DEV,C=FR", id, null);

    private static CertificateIdentity Server(string subject) => Identity(CertificateKind.Server, subject, null, "1750000000");

    private static CertificateIdentity Organisation(string subject, string? structure) => Identity(CertificateKind.Organisation, subject, null, structure);

    private static CertificateIdentity Identity(CertificateKind kind, string subject, string? id, string? structure) => new()
    {
        Kind = kind,
        NationalIdentifier = id,
        StructureIdentifier = structure,
        Subject = subject,
        Issuer = "CN=TEST AC IGC-SANTE FORT PERSONNES,C=FR",
        SerialNumber = "1000",
        Thumbprint = "00",
    };

    public void Dispose() => _harness.Dispose();

    private SenderBindingPolicy Binding => _harness.Services.GetRequiredService<SenderBindingPolicy>();

    private static string Message(string headers, string body = "Content-Type: text/plain\r\n\r\nBonjour\r\n") =>
        headers + "To: dev.recipient@hopital.mssante.test\r\nSubject: test\r\nMIME-Version: 1.0\r\n" + body;

    private static string Report(string reportType) =>
        $"Content-Type: multipart/report; report-type={reportType}; boundary=\"r\"\r\n\r\n" +
        "--r\r\nContent-Type: text/plain\r\n\r\nLu.\r\n" +
        "--r\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; x@y.test\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n" +
        "--r--\r\n";

    /// <summary>MAIL FROM, then the whole message under Enforce; returns the refusal reason or null.</summary>
    private async Task<string?> SendAsync(CertificateIdentity identity, string mailFrom, string message, SenderBindingMode mode = SenderBindingMode.Enforce)
    {
        var binding = await Binding.CheckMailFromAsync(identity, mailFrom, CancellationToken.None);
        if (binding.Refusal is not null)
        {
            return binding.Refusal.Value.ToLabel();
        }

        if (binding.Violation is not null && mode == SenderBindingMode.Enforce)
        {
            return "mail:" + binding.Violation.Reason;
        }

        using var stream = new MemoryStream(TestMessages.Ascii(message));
        var context = PolicyHarness.Context() with { ClientIdentity = identity, MailFromBinding = binding, SenderBinding = mode, EnvelopeSender = mailFrom };
        var verdict = await _harness.Policy.EvaluateAsync(stream, context, CancellationToken.None);
        return verdict.RefusalReason;
    }

    [Fact]
    public async Task The_holders_own_mailbox_in_MAIL_FROM_and_From_is_accepted()
    {
        Assert.Null(await SendAsync(Cps(), Holder, Message($"From: Dev Sender <{Holder}>\r\n")));
    }

    [Fact]
    public async Task Mail_from_another_professionals_mailbox_is_refused_at_MAIL_FROM()
    {
        Assert.Equal("mail:sender_not_bound", await SendAsync(Cps(), Colleague, Message($"From: {Colleague}\r\n")));
    }

    [Fact]
    public async Task Own_MAIL_FROM_with_someone_elses_From_header_is_refused_header_from_not_bound()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: Dr Other <{Colleague}>\r\n")));
    }

    [Fact]
    public async Task Null_sender_from_a_cps_with_someone_elses_From_is_refused()
    {
        Assert.Equal("sender_not_bound", await SendAsync(Cps(), string.Empty, Message($"From: {Colleague}\r\n")));
    }

    [Fact]
    public async Task Null_sender_from_a_cps_on_an_ordinary_message_from_the_holder_is_refused_sender_not_bound()
    {
        Assert.Equal("sender_not_bound", await SendAsync(Cps(), string.Empty, Message($"From: {Holder}\r\n")));
    }

    [Theory]
    [InlineData("disposition-notification")]
    [InlineData("delivery-status")]
    public async Task Null_sender_from_a_cps_for_a_report_from_the_holder_is_accepted(string reportType)
    {
        Assert.Null(await SendAsync(Cps(), string.Empty, Message($"From: {Holder}\r\n", Report(reportType))));
    }

    [Fact]
    public async Task Null_sender_report_from_a_cps_whose_From_is_not_the_holder_is_refused_header_from_not_bound()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), string.Empty, Message($"From: {Colleague}\r\n", Report("disposition-notification"))));
    }

    [Fact]
    public async Task A_report_type_the_rfcs_do_not_send_with_the_null_sender_is_refused()
    {
        Assert.Equal("sender_not_bound", await SendAsync(Cps(), string.Empty, Message($"From: {Holder}\r\n", Report("x-anything"))));
    }

    [Fact]
    public async Task Null_sender_from_an_operator_whose_DN_is_listed_is_accepted_with_a_From_of_its_domain()
    {
        Assert.Null(await SendAsync(Server(HospitalDn), string.Empty, Message("From: MAILER-DAEMON@hopital.mssante.test\r\n", Report("delivery-status"))));
    }

    [Fact]
    public async Task Null_sender_from_an_operator_whose_DN_is_listed_nowhere_is_refused_at_MAIL_FROM()
    {
        Assert.Equal("mail:sender_not_bound", await SendAsync(Server("CN=gw.rogue.test,OU=999,O=ROGUE,C=FR"), string.Empty, Message("From: x@hopital.mssante.test\r\n")));
    }

    [Fact]
    public async Task Null_sender_from_a_listed_operator_with_a_From_in_another_operators_domain_is_refused()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Server(CliniqueDn), string.Empty, Message($"From: {Holder}\r\n", Report("delivery-status"))));
    }

    [Fact]
    public async Task Null_sender_from_an_organisation_is_bound_by_a_From_mailbox_of_its_structure()
    {
        var org = Organisation("OU=1750000000,O=HOPITAL,C=FR", "1750000000");

        Assert.Null(await SendAsync(org, string.Empty, Message($"From: {Secretariat}\r\n")));
        Assert.Equal("header_from_not_bound", await SendAsync(org, string.Empty, Message($"From: {Colleague}\r\n")));
    }

    [Fact]
    public async Task Null_sender_from_an_organisation_without_structure_or_listed_DN_is_refused_at_MAIL_FROM()
    {
        Assert.Equal("mail:sender_not_bound", await SendAsync(Organisation("O=NOBODY,C=FR", null), string.Empty, Message($"From: {Secretariat}\r\n")));
    }

    [Fact]
    public async Task Two_From_fields_are_refused_even_when_one_is_the_holder()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Holder}\r\nFrom: {Colleague}\r\n")));
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Holder}\r\nFROM: {Holder}\r\n")));
    }

    [Fact]
    public async Task A_message_without_From_is_refused()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message("Sender: " + Holder + "\r\n")));
    }

    [Fact]
    public async Task Several_mailboxes_in_From_must_all_be_the_holders()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Holder}, {Colleague}\r\n")));
    }

    [Fact]
    public async Task A_group_in_From_is_flattened_and_every_member_checked()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: Equipe: {Holder}, {Colleague};\r\n")));
        Assert.Null(await SendAsync(Cps(), Holder, Message($"From: Equipe: {Holder};\r\n")));
    }

    [Fact]
    public async Task An_empty_group_in_From_is_refused()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message("From: undisclosed-senders:;\r\n")));
    }

    [Theory]
    [InlineData("=?utf-8?q?other.doctor=40clinique.mssante.test?= <dev.sender@hopital.mssante.test>")]
    [InlineData("\"other.doctor@clinique.mssante.test\" <dev.sender@hopital.mssante.test>")]
    [InlineData("=?utf-8?B?RHIgT3RoZXIgPG90aGVyLmRvY3RvckBjbGluaXF1ZS5tc3NhbnRlLnRlc3Q+?= <dev.sender@hopital.mssante.test>")]
    public async Task A_display_name_showing_another_address_is_refused(string from)
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {from}\r\n")));
    }

    [Fact]
    public async Task A_display_name_repeating_the_holders_own_address_is_accepted()
    {
        Assert.Null(await SendAsync(Cps(), Holder, Message($"From: \"{Holder}\" <{Holder}>\r\n")));
    }

    [Fact]
    public async Task An_encoded_word_instead_of_an_address_is_refused()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message("From: =?utf-8?q?other.doctor=40clinique.mssante.test?=\r\n")));
    }

    [Fact]
    public async Task An_address_in_a_comment_is_not_the_From_mailbox()
    {
        // The mailbox is the holder's; a comment naming another address is what some clients show.
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Holder} ({Colleague})\r\n")));
    }

    [Fact]
    public async Task A_Sender_field_naming_another_mailbox_is_refused()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Holder}\r\nSender: {Colleague}\r\n")));
    }

    [Fact]
    public async Task A_Sender_field_of_the_holder_does_not_make_someone_elses_From_acceptable()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Colleague}\r\nSender: {Holder}\r\n")));
    }

    [Fact]
    public async Task Two_Sender_fields_are_refused()
    {
        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message($"From: {Holder}\r\nSender: {Holder}\r\nSender: {Holder}\r\n")));
    }

    [Fact]
    public async Task A_From_inside_a_forwarded_message_is_not_the_messages_From()
    {
        var body = "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n" +
            $"From: {Holder}\r\nContent-Type: text/plain\r\n\r\ninner\r\n--o--\r\n";

        Assert.Equal("header_from_not_bound", await SendAsync(Cps(), Holder, Message(string.Empty, body)));
        Assert.Null(await SendAsync(Cps(), Holder, Message($"From: {Holder}\r\n", body.Replace(Holder, Colleague, StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_listed_mailbox_on_a_domain_not_on_the_liste_blanche_is_refused_at_MAIL_FROM_for_an_operator()
    {
        Assert.Equal("domain_not_authorised", await SendAsync(Server(HospitalDn), UnlistedDomainMailbox, Message($"From: {UnlistedDomainMailbox}\r\n")));
    }

    [Fact]
    public async Task Under_Tag_the_unbound_From_is_accepted_and_the_header_says_so()
    {
        var identity = Cps();
        var binding = await Binding.CheckMailFromAsync(identity, Holder, CancellationToken.None);
        using var stream = new MemoryStream(TestMessages.Ascii(Message($"From: {Colleague}\r\n")));
        var context = PolicyHarness.Context() with { ClientIdentity = identity, MailFromBinding = binding, SenderBinding = SenderBindingMode.Tag };

        var verdict = await _harness.Policy.EvaluateAsync(stream, context, CancellationToken.None);

        Assert.Null(verdict.Refusal);
        Assert.Equal("header_from_not_bound", verdict.SenderBindingViolation?.Reason);
        Assert.Equal(Colleague, verdict.SenderBindingViolation?.Address);
        Assert.Contains("x-sender-binding=fail reason=\"header_from_not_bound\"", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_Tag_an_unbound_MAIL_FROM_is_carried_to_the_header()
    {
        var identity = Cps();
        var binding = await Binding.CheckMailFromAsync(identity, Colleague, CancellationToken.None);
        Assert.Equal("sender_not_bound", binding.Violation?.Reason);
        using var stream = new MemoryStream(TestMessages.Ascii(Message($"From: {Holder}\r\n")));
        var context = PolicyHarness.Context() with { ClientIdentity = identity, MailFromBinding = binding, SenderBinding = SenderBindingMode.Tag };

        var verdict = await _harness.Policy.EvaluateAsync(stream, context, CancellationToken.None);

        Assert.Null(verdict.Refusal);
        Assert.Contains("x-sender-binding=fail reason=\"sender_not_bound\"", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bound_message_says_pass_in_the_header()
    {
        var identity = Cps();
        var binding = await Binding.CheckMailFromAsync(identity, Holder, CancellationToken.None);
        using var stream = new MemoryStream(TestMessages.Ascii(Message($"From: {Holder}\r\n")));

        var verdict = await _harness.Policy.EvaluateAsync(stream, PolicyHarness.Context() with { ClientIdentity = identity, MailFromBinding = binding }, CancellationToken.None);

        Assert.Contains("x-sender-binding=pass", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }
}
