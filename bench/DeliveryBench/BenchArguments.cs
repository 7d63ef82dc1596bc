using System.Globalization;

namespace MssGateway.DeliveryBench;

/// <summary>"--name value" pairs from the command line.</summary>
internal sealed class BenchArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static BenchArguments Parse(string[] args)
    {
        var a = new BenchArguments();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            a._values[args[i].TrimStart('-')] = args[i + 1];
        }

        return a;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
