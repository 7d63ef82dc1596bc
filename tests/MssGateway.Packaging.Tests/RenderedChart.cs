using System.Text.Json.Nodes;

namespace MssGateway.Packaging.Tests;

/// <summary>The manifests `helm template` printed, with accessors for the parts tests check.</summary>
public sealed class RenderedChart
{
    private static readonly string[] WorkloadKinds = ["StatefulSet", "Deployment", "DaemonSet", "Job", "CronJob", "Pod"];

    private RenderedChart(IReadOnlyList<JsonObject> manifests) => Manifests = manifests;

    public IReadOnlyList<JsonObject> Manifests { get; }

    public static RenderedChart Parse(string yaml) => new(YamlDocuments.Parse(yaml));

    public static string KindOf(JsonObject manifest) => manifest["kind"]?.GetValue<string>() ?? "";

    public static string NameOf(JsonObject manifest) => manifest["metadata"]?["name"]?.GetValue<string>() ?? "";

    public IEnumerable<JsonObject> OfKind(string kind) => Manifests.Where(m => KindOf(m) == kind);

    public JsonObject Single(string kind, string name)
    {
        var found = Manifests.Where(m => KindOf(m) == kind && NameOf(m) == name).ToList();
        Assert.True(found.Count == 1, $"expected one {kind} named {name}, found {found.Count}; rendered: {Describe()}");
        return found[0];
    }

    public JsonObject SingleOfKind(string kind)
    {
        var found = OfKind(kind).ToList();
        Assert.True(found.Count == 1, $"expected one {kind}, found {found.Count}; rendered: {Describe()}");
        return found[0];
    }

    /// <summary>Every pod template of every workload, with the workload's kind and name.</summary>
    public IEnumerable<(string Workload, JsonObject PodTemplate)> PodTemplates()
    {
        foreach (var m in Manifests.Where(m => WorkloadKinds.Contains(KindOf(m))))
        {
            var template = KindOf(m) switch
            {
                "CronJob" => m["spec"]?["jobTemplate"]?["spec"]?["template"],
                "Pod" => m,
                _ => m["spec"]?["template"],
            };
            Assert.NotNull(template);
            yield return ($"{KindOf(m)}/{NameOf(m)}", template!.AsObject());
        }
    }

    /// <summary>Every container and init container, with its workload and its pod spec.</summary>
    public IEnumerable<(string Where, JsonObject Container, JsonObject PodSpec)> Containers()
    {
        foreach (var (workload, template) in PodTemplates())
        {
            var spec = template["spec"]!.AsObject();
            foreach (var list in new[] { "initContainers", "containers" })
            {
                foreach (var c in spec[list]?.AsArray() ?? [])
                {
                    yield return ($"{workload} {list}/{c!["name"]}", c.AsObject(), spec);
                }
            }
        }
    }

    public string Describe() => string.Join(", ", Manifests.Select(m => $"{KindOf(m)}/{NameOf(m)}"));
}
