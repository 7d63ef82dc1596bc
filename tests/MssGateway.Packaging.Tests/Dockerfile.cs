using System.Text.RegularExpressions;

namespace MssGateway.Packaging.Tests;

/// <summary>A Dockerfile read as instructions (continuation lines joined, comments dropped), split into stages.</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<Instruction> instructions)
    {
        Path = path;
        Instructions = instructions;
        var stages = new List<Stage>();
        foreach (var i in instructions)
        {
            if (i.Keyword == "FROM")
            {
                var m = FromPattern().Match(i.Arguments);
                Assert.True(m.Success, $"{path}: cannot read FROM {i.Arguments}");
                stages.Add(new Stage(m.Groups["image"].Value, m.Groups["name"].Success ? m.Groups["name"].Value : null, []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Instructions.Add(i);
            }
        }

        Stages = stages;
    }

    public string Path { get; }

    public IReadOnlyList<Instruction> Instructions { get; }

    public IReadOnlyList<Stage> Stages { get; }

    public Stage Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var instructions = new List<Instruction>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (pending.Length > 0 && line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var full = pending + line;
            pending = "";
            var space = full.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new Instruction(full.ToUpperInvariant(), "")
                : new Instruction(full[..space].ToUpperInvariant(), full[(space + 1)..].Trim()));
        }

        return new Dockerfile(path, instructions);
    }

    public sealed record Instruction(string Keyword, string Arguments);

    public sealed record Stage(string Image, string? Name, List<Instruction> Instructions)
    {
        public IEnumerable<Instruction> Of(string keyword) => Instructions.Where(i => i.Keyword == keyword);
    }

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();
}
