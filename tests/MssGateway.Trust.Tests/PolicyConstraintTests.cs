using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 7, RFC 5280 §6.1: certificate policies are processed along the path — the
/// valid_policy_tree, policyConstraints (requireExplicitPolicy, inhibitPolicyMapping), inhibitAnyPolicy
/// and policyMappings — on chains made by openssl (make-test-pki.sh, "rule 7").
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class PolicyConstraintTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    private Task<CertificateVerdict> CheckAsync(string leaf, string[] cas, Action<TrustOptions>? configure = null, string? listener = null) =>
        NameConstraintTests.CheckAsync(pki, _work, leaf, cas, configure, listener);

    private static void AssertPolicyRefused(CertificateVerdict verdict, string text)
    {
        PathValidationTests.AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
        Assert.True(verdict.DetailCode == "policy", verdict.DetailCode + ": " + verdict.Detail);
        Assert.Contains(text, verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_policy_required_is_met_by_a_policy_the_ca_allows()
    {
        var verdict = await CheckAsync("pc-explicit-ok", ["pc-explicit"]);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Explicit_policy_required_refuses_a_certificate_whose_policy_the_ca_does_not_allow()
    {
        AssertPolicyRefused(await CheckAsync("pc-explicit-other", ["pc-explicit"]), "requireExplicitPolicy");
    }

    [Fact]
    public async Task Explicit_policy_required_refuses_a_path_whose_ca_states_no_policy()
    {
        AssertPolicyRefused(await CheckAsync("pc-no-policies-leaf", ["pc-no-policies"]), "requireExplicitPolicy");
    }

    [Fact]
    public async Task Any_policy_of_the_cas_carries_the_end_certificate_policy()
    {
        var verdict = await CheckAsync("pc-any-leaf", ["pc-any-sub", "pc-any"]);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Inhibit_any_policy_stops_a_sub_ca_from_passing_any_policy_on()
    {
        // Same chain shape as above, but the upper CA says inhibitAnyPolicy 0: the sub-CA's anyPolicy no longer counts.
        AssertPolicyRefused(await CheckAsync("pc-inhibit-leaf", ["pc-inhibit-sub", "pc-inhibit-any"]), "requireExplicitPolicy");
    }

    [Fact]
    public async Task Policy_mapping_makes_the_issuer_domain_policy_valid_for_the_path()
    {
        var verdict = await CheckAsync("pm-leaf", ["pm-sub", "pm-ca"]);
        Assert.True(verdict.IsTrusted, verdict.Detail);

        // The listener's policy set is in the anchor's domain: 1.2.3.1 (mapped to the leaf's 1.2.3.2) is accepted…
        var accepted = await CheckAsync("pm-leaf", ["pm-sub", "pm-ca"], o => o.PolicyOids["submission"] = ["1.2.3.1"], "submission");
        Assert.True(accepted.IsTrusted, accepted.Detail);

        // …and the leaf's own 1.2.3.2 is not a policy of the anchor's domain.
        var refused = await CheckAsync("pm-leaf", ["pm-sub", "pm-ca"], o => o.PolicyOids["submission"] = ["1.2.3.2"], "submission");
        PathValidationTests.AssertRefused(refused, "client_cert_usage", 535, "5.7.8");
        Assert.Equal("policy_not_accepted", refused.DetailCode);
    }

    [Fact]
    public async Task Inhibit_policy_mapping_refuses_a_path_that_needs_the_mapping()
    {
        AssertPolicyRefused(await CheckAsync("pm-inhibited-leaf", ["pm-inhibited", "pm-inhibit"]), "requireExplicitPolicy");
    }

    [Fact]
    public async Task Mapping_to_any_policy_is_refused()
    {
        AssertPolicyRefused(await CheckAsync("pm-to-any-leaf", ["pm-to-any-sub", "pm-to-any"]), "maps anyPolicy");
    }

    [Fact]
    public async Task Listener_policy_must_be_valid_for_the_path_not_merely_asserted_by_the_end_certificate()
    {
        // The end certificate asserts the policy, but its CA states no certificatePolicies at all.
        var verdict = await CheckAsync("cps-by-policy-unvalidated", ["plain-ca"], o => o.PolicyOids["submission"] = ["1.2.250.1.71.4.2.7.1.42"], "submission");
        PathValidationTests.AssertRefused(verdict, "client_cert_usage", 535, "5.7.8");
        Assert.Equal("policy_not_accepted", verdict.DetailCode);
        var valid = await CheckAsync("cps-by-policy", ["cps-policy-ca"], o => o.PolicyOids["submission"] = ["1.2.250.1.71.4.2.7.1.42"], "submission");
        Assert.True(valid.IsTrusted, valid.Detail);
    }
}
