using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Reads YAML (one or many documents) into System.Text.Json nodes so tests navigate manifests with
/// <c>node?["spec"]?["template"]</c>. Scalars stay strings, as the YAML text wrote them.
/// </summary>
public static class YamlDocuments
{
    public static IReadOnlyList<JsonObject> Parse(string yaml)
    {
        // MergingParser resolves "<<: *anchor" merge keys (the compose file uses one).
        var stream = new YamlStream();
        stream.Load(new YamlDotNet.Core.MergingParser(new YamlDotNet.Core.Parser(new StringReader(yaml))));
        var documents = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlMappingNode mapping)
            {
                documents.Add((JsonObject)ToJson(mapping)!);
            }
        }

        return documents;
    }

    public static JsonObject ParseSingle(string yaml) =>
        Parse(yaml) is [var only] ? only : throw new InvalidOperationException("expected exactly one YAML mapping document");

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    obj.Add(((YamlScalarNode)key).Value ?? "", ToJson(value));
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item));
                }

                return array;
            case YamlScalarNode scalar:
                var isPlain = scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any;
                if (isPlain && (scalar.Value is null or "" or "~" or "null"))
                {
                    return null;
                }

                return JsonValue.Create(scalar.Value ?? "");
            default:
                throw new InvalidOperationException("unsupported YAML node " + node.NodeType);
        }
    }
}
