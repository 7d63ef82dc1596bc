using System.Formats.Asn1;
using System.Numerics;

namespace MssGateway.Trust;

/// <summary>
/// Certificate policy processing of RFC 5280 §6.1 along one path: the valid_policy_tree, with
/// policyMappings (§6.1.4 (a), (b)), the explicit_policy, policy_mapping and inhibit_anyPolicy counters
/// (§6.1.2 (d)–(f), §6.1.4 (h)–(j)) set by policyConstraints and inhibitAnyPolicy, and the wrap-up
/// (§6.1.5). The trust anchor's own policyConstraints and inhibitAnyPolicy, when it states them, set
/// the initial counters (RFC 5937 §3); its certificatePolicies is not processed (the anchor is not
/// part of the path). The result says which policies the path validates: those of the end certificate
/// (<see cref="LeafPolicies"/>) and, against an initial policy set, whether any remains (§6.1.5 (g)).
/// The tree is bounded (<see cref="MaxNodes"/>): a path that would grow it further is refused.
/// </summary>
internal sealed class CertificatePolicyTree
{
    public const string AnyPolicy = "2.5.29.32.0";
    public const int MaxNodes = 1000;

    private const string PoliciesOid = "2.5.29.32";
    private const string MappingsOid = "2.5.29.33";
    private const string ConstraintsOid = "2.5.29.36";
    private const string InhibitAnyOid = "2.5.29.54";

    private readonly List<Node>[] _levels;
    private int _nodes;

    private CertificatePolicyTree(int depth)
    {
        _levels = new List<Node>[depth + 1];
        for (var i = 0; i <= depth; i++)
        {
            _levels[i] = [];
        }

        Add(null, AnyPolicy, [AnyPolicy], 0);
    }

    /// <summary>The result of processing one path.</summary>
    internal sealed record Outcome(bool Valid, string? Refusal, IReadOnlySet<string> LeafPolicies, bool LeafAnyPolicy, bool ExplicitPolicyRequired, CertificatePolicyTree? Tree)
    {
        /// <summary>True when some policy of <paramref name="initialPolicies"/> (in the anchor's domain) is valid for the path (§6.1.5 (g)(iii)).</summary>
        public bool Accepts(IReadOnlyCollection<string> initialPolicies) => Tree is { } t && t.Intersect(initialPolicies);
    }

    /// <summary>Processes <paramref name="path"/> (end certificate first, anchor last).</summary>
    public static Outcome Process(IReadOnlyList<TrustedCertificate> path)
    {
        var n = path.Count - 1;
        if (n == 0)
        {
            return new Outcome(true, null, new HashSet<string>(StringComparer.Ordinal), true, false, null);
        }

        try
        {
            return Run(path, n);
        }
        catch (AsnContentException ex)
        {
            return Refused("a certificate policy extension cannot be read: " + ex.Message);
        }
        catch (TreeTooLargeException)
        {
            return Refused($"the certificate policy tree of this path exceeds {MaxNodes} nodes");
        }
    }

    private static Outcome Refused(string why) => new(false, why, new HashSet<string>(StringComparer.Ordinal), false, false, null);

    private static Outcome Run(IReadOnlyList<TrustedCertificate> path, int n)
    {
        CertificatePolicyTree? tree = new(n);
        var explicitPolicy = n + 1;
        var policyMapping = n + 1;
        var inhibitAny = n + 1;
        var anchor = path[^1].PolicyExtensions;
        explicitPolicy = Min(explicitPolicy, anchor.RequireExplicitPolicy);
        policyMapping = Min(policyMapping, anchor.InhibitPolicyMapping);
        inhibitAny = Min(inhibitAny, anchor.InhibitAnyPolicy);

        for (var i = 1; i <= n; i++)
        {
            var cert = path[n - i];
            var ext = cert.PolicyExtensions;
            var policies = ext.Policies;
            var selfIssuedIntermediate = i < n && cert.IsSelfIssued;
            if (policies is null)
            {
                tree = null; // §6.1.3 (e)
            }
            else if (tree is not null)
            {
                tree.AddLevel(i, policies, inhibitAny > 0 || selfIssuedIntermediate);
                if (tree.Prune(i))
                {
                    tree = null;
                }
            }

            if (explicitPolicy == 0 && tree is null)
            {
                return Refused($"'{cert.CommonName}' leaves no valid certificate policy while the path requires an explicit policy (policyConstraints requireExplicitPolicy)");
            }

            if (i == n)
            {
                break;
            }

            // §6.1.4: preparation for the next certificate.
            if (ext.Mappings is { } mappings)
            {
                if (mappings.Any(m => m.Issuer == AnyPolicy || m.Subject == AnyPolicy))
                {
                    return Refused($"'{cert.CommonName}' maps anyPolicy in policyMappings (RFC 5280 §6.1.4 (a))");
                }

                if (tree is not null)
                {
                    tree.Map(i, mappings, policyMapping > 0);
                    if (tree.Prune(i))
                    {
                        tree = null;
                    }
                }
            }

            if (!cert.IsSelfIssued)
            {
                explicitPolicy = Decrement(explicitPolicy);
                policyMapping = Decrement(policyMapping);
                inhibitAny = Decrement(inhibitAny);
            }

            explicitPolicy = Min(explicitPolicy, ext.RequireExplicitPolicy);
            policyMapping = Min(policyMapping, ext.InhibitPolicyMapping);
            inhibitAny = Min(inhibitAny, ext.InhibitAnyPolicy);
        }

        // §6.1.5 wrap-up for the end certificate.
        var leaf = path[0];
        explicitPolicy = Decrement(explicitPolicy);
        if (leaf.PolicyExtensions.RequireExplicitPolicy == 0)
        {
            explicitPolicy = 0;
        }

        if (explicitPolicy == 0 && tree is null)
        {
            return Refused("no certificate policy is valid for this path while it requires an explicit policy (policyConstraints requireExplicitPolicy)");
        }

        var leafPolicies = new HashSet<string>(StringComparer.Ordinal);
        var leafAny = false;
        if (tree is not null)
        {
            foreach (var node in tree._levels[n])
            {
                if (node.ValidPolicy == AnyPolicy)
                {
                    leafAny = true;
                }
                else
                {
                    leafPolicies.Add(node.ValidPolicy);
                }
            }
        }

        return new Outcome(true, null, leafPolicies, leafAny, explicitPolicy == 0, tree);
    }

    /// <summary>§6.1.3 (d)(1), (2): the children of depth <paramref name="i"/> for the certificate's policies.</summary>
    private void AddLevel(int i, IReadOnlyList<string> policies, bool anyPolicyAllowed)
    {
        var previous = _levels[i - 1].ToArray();
        foreach (var p in policies)
        {
            if (p == AnyPolicy)
            {
                continue;
            }

            var matched = false;
            foreach (var node in previous)
            {
                if (node.Expected.Contains(p))
                {
                    Add(node, p, [p], i);
                    matched = true;
                }
            }

            if (!matched && previous.FirstOrDefault(x => x.ValidPolicy == AnyPolicy) is { } any)
            {
                Add(any, p, [p], i);
            }
        }

        if (anyPolicyAllowed && policies.Contains(AnyPolicy))
        {
            foreach (var node in previous)
            {
                foreach (var e in node.Expected)
                {
                    if (!node.Children.Any(c => c.ValidPolicy == e))
                    {
                        Add(node, e, [e], i);
                    }
                }
            }
        }
    }

    /// <summary>§6.1.4 (b): apply the mappings at depth <paramref name="i"/>, or delete the mapped policies when mapping is inhibited.</summary>
    private void Map(int i, IReadOnlyList<(string Issuer, string Subject)> mappings, bool allowed)
    {
        foreach (var group in mappings.GroupBy(m => m.Issuer, StringComparer.Ordinal))
        {
            var subjects = group.Select(m => m.Subject).ToHashSet(StringComparer.Ordinal);
            var nodes = _levels[i].Where(x => x.ValidPolicy == group.Key).ToArray();
            if (!allowed)
            {
                foreach (var node in nodes)
                {
                    Delete(node);
                }

                continue;
            }

            if (nodes.Length > 0)
            {
                foreach (var node in nodes)
                {
                    node.Expected = subjects;
                }
            }
            else if (_levels[i].FirstOrDefault(x => x.ValidPolicy == AnyPolicy) is { Parent: { } parent })
            {
                Add(parent, group.Key, subjects, i);
            }
        }
    }

    /// <summary>§6.1.5 (g)(iii): keeps the policies of <paramref name="initial"/>; true when the tree is not empty afterwards.</summary>
    private bool Intersect(IReadOnlyCollection<string> initial)
    {
        if (initial.Count == 0 || initial.Contains(AnyPolicy))
        {
            return _levels[0].Count > 0;
        }

        var depth = _levels.Length - 1;
        var nodeSet = _levels.SelectMany(l => l).Where(x => x.Parent is { ValidPolicy: AnyPolicy }).ToArray();
        foreach (var node in nodeSet)
        {
            if (node.ValidPolicy != AnyPolicy && !initial.Contains(node.ValidPolicy))
            {
                Delete(node);
            }
        }

        if (_levels[depth].FirstOrDefault(x => x.ValidPolicy == AnyPolicy) is { Parent: { } parent } leafAny)
        {
            var present = nodeSet.Select(x => x.ValidPolicy).ToHashSet(StringComparer.Ordinal);
            foreach (var p in initial.Where(p => !present.Contains(p)))
            {
                Add(parent, p, [p], depth);
            }

            Delete(leafAny);
        }

        Prune(depth);
        return _levels[depth].Count > 0;
    }

    private void Add(Node? parent, string policy, HashSet<string> expected, int depth)
    {
        if (++_nodes > MaxNodes)
        {
            throw new TreeTooLargeException();
        }

        var node = new Node(policy, expected, parent, depth);
        parent?.Children.Add(node);
        _levels[depth].Add(node);
    }

    private void Delete(Node node)
    {
        foreach (var child in node.Children.ToArray())
        {
            Delete(child);
        }

        node.Parent?.Children.Remove(node);
        _levels[node.Depth].Remove(node);
    }

    /// <summary>Deletes nodes above <paramref name="depth"/> that have no children; true when the tree became empty.</summary>
    private bool Prune(int depth)
    {
        for (var d = depth - 1; d >= 0; d--)
        {
            foreach (var node in _levels[d].Where(x => x.Children.Count == 0).ToArray())
            {
                Delete(node);
            }
        }

        return _levels[0].Count == 0;
    }

    private static int Decrement(int value) => value > 0 ? value - 1 : 0;

    private static int Min(int value, int? bound) => bound is { } b && b < value ? b : value;

    /// <summary>Reads the policy extensions of a certificate (once: <see cref="TrustedCertificate.PolicyExtensions"/> keeps them).</summary>
    /// <exception cref="AsnContentException">An extension is malformed.</exception>
    internal static PolicyExtensionValues ReadExtensions(TrustedCertificate cert)
    {
        var (require, inhibitMapping) = ReadConstraints(cert);
        return new PolicyExtensionValues(ReadPolicies(cert), ReadMappings(cert), require, inhibitMapping, ReadInhibitAny(cert));
    }

    /// <summary>certificatePolicies (null when absent), policyMappings, policyConstraints, inhibitAnyPolicy of one certificate.</summary>
    internal sealed record PolicyExtensionValues(IReadOnlyList<string>? Policies, IReadOnlyList<(string Issuer, string Subject)>? Mappings, int? RequireExplicitPolicy, int? InhibitPolicyMapping, int? InhibitAnyPolicy);

    /// <summary>Policy OIDs of certificatePolicies, or null when the extension is absent.</summary>
    private static IReadOnlyList<string>? ReadPolicies(TrustedCertificate cert)
    {
        if (cert.Certificate.Extensions[PoliciesOid] is not { } ext)
        {
            return null;
        }

        var outer = new AsnReader(ext.RawData, AsnEncodingRules.DER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var policies = new List<string>();
        while (seq.HasData)
        {
            var info = seq.ReadSequence();
            var oid = info.ReadObjectIdentifier();
            if (!policies.Contains(oid))
            {
                policies.Add(oid); // qualifiers are not used for decisions
            }
        }

        return policies;
    }

    private static IReadOnlyList<(string Issuer, string Subject)>? ReadMappings(TrustedCertificate cert)
    {
        if (cert.Certificate.Extensions[MappingsOid] is not { } ext)
        {
            return null;
        }

        var outer = new AsnReader(ext.RawData, AsnEncodingRules.DER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var mappings = new List<(string, string)>();
        while (seq.HasData)
        {
            var m = seq.ReadSequence();
            mappings.Add((m.ReadObjectIdentifier(), m.ReadObjectIdentifier()));
            m.ThrowIfNotEmpty();
        }

        return mappings;
    }

    /// <summary>policyConstraints: requireExplicitPolicy [0] and inhibitPolicyMapping [1] SkipCerts.</summary>
    private static (int? Require, int? InhibitMapping) ReadConstraints(TrustedCertificate cert)
    {
        if (cert.Certificate.Extensions[ConstraintsOid] is not { } ext)
        {
            return (null, null);
        }

        var outer = new AsnReader(ext.RawData, AsnEncodingRules.DER);
        var seq = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        int? require = null, inhibit = null;
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            require = Skip(seq.ReadInteger(new Asn1Tag(TagClass.ContextSpecific, 0)));
        }

        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            inhibit = Skip(seq.ReadInteger(new Asn1Tag(TagClass.ContextSpecific, 1)));
        }

        seq.ThrowIfNotEmpty();
        return (require, inhibit);
    }

    private static int? ReadInhibitAny(TrustedCertificate cert)
    {
        if (cert.Certificate.Extensions[InhibitAnyOid] is not { } ext)
        {
            return null;
        }

        var reader = new AsnReader(ext.RawData, AsnEncodingRules.DER);
        var value = Skip(reader.ReadInteger());
        reader.ThrowIfNotEmpty();
        return value;
    }

    /// <summary>SkipCerts ::= INTEGER (0..MAX); a value past any path length counts as "never".</summary>
    private static int Skip(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new AsnContentException("negative SkipCerts");
        }

        return value > 1000 ? 1000 : (int)value;
    }

    private sealed class Node(string validPolicy, HashSet<string> expected, Node? parent, int depth)
    {
        public string ValidPolicy { get; } = validPolicy;

        public HashSet<string> Expected { get; set; } = expected;

        public Node? Parent { get; } = parent;

        public int Depth { get; } = depth;

        public List<Node> Children { get; } = [];
    }

    private sealed class TreeTooLargeException : Exception;
}
