using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MssGateway.Configuration;

/// <summary>
/// Every configuration key a program understands, learned by reflection over its bound options types (their
/// public properties, as the configuration binder sees them), so a key another component adds to its options
/// class is known without a list to keep. Keys below a list are indexed (<c>Listeners:0:Port</c>); keys below a
/// dictionary of simple values, or of lists, are data (<c>PolicyOids:relay:0</c>). <see cref="FindUnknown"/>
/// turns every other key under a root into a start-up error naming the key, where it was set, and the nearest
/// known key — so <c>Gateway:Routing:LocalDomains</c> does not start and silently do nothing.
/// </summary>
public sealed class ConfigurationKeyCatalogue
{
    private const string One = "*";
    private const string Rest = "**";
    private const int MaxDepth = 10;

    private readonly List<string[]> _patterns = [];
    private readonly Dictionary<string, (string Type, string? Default)> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _sections = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The known keys, <c>*</c> for an index or dictionary key, <c>**</c> for data below.</summary>
    public IReadOnlyList<string> Patterns => [.. _patterns.Select(p => string.Join(':', p))];

    /// <summary>Every known key (sorted, ordinal) with its type and the default of a new options instance (null when none).</summary>
    public IReadOnlyList<(string Key, string Type, string? Default)> Entries =>
        [.. _entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value.Type, e.Value.Default))];

    /// <summary>Learns the keys of <paramref name="optionsType"/> bound at <paramref name="section"/>.</summary>
    public ConfigurationKeyCatalogue Add(string section, Type optionsType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        ArgumentNullException.ThrowIfNull(optionsType);
        var prefix = section.Split(':');
        for (var i = 1; i <= prefix.Length; i++)
        {
            _sections.Add(string.Join(':', prefix.Take(i)));
        }

        Learn(optionsType, [.. prefix], 0, NewInstance(optionsType));
        return this;
    }

    /// <summary>
    /// Learns every options type registered in <paramref name="services"/> with <c>AddOptions&lt;T&gt;().Bind(section)</c>
    /// or <c>.BindConfiguration("Section:Path")</c>: the section is read from the registration itself.
    /// With <paramref name="root"/>, only the registrations bound at or below that section: the framework's own
    /// (Kestrel, logging providers) are not ours to check, and learning them recursively made ~380,000 patterns
    /// (~300 MB at start-up, and a "did you mean" that took minutes).
    /// </summary>
    public ConfigurationKeyCatalogue AddRegistered(IServiceCollection services, IConfiguration configuration, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (section, type) in BoundSections(services, configuration))
        {
            if (root is null || string.Equals(section, root, StringComparison.OrdinalIgnoreCase) || section.StartsWith(root + ":", StringComparison.OrdinalIgnoreCase))
            {
                Add(section, type);
            }
        }

        return this;
    }

    /// <summary>The (section, options type) pairs of the options bound from configuration in <paramref name="services"/>.</summary>
    public static IReadOnlyList<(string Section, Type OptionsType)> BoundSections(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var found = new List<(string, Type)>();
        var provider = new ConfigurationOnlyServiceProvider(configuration);
        foreach (var descriptor in services)
        {
            if (!descriptor.ServiceType.IsGenericType || descriptor.ServiceType.GetGenericTypeDefinition() != typeof(IConfigureOptions<>) || descriptor.IsKeyedService)
            {
                continue;
            }

            var optionsType = descriptor.ServiceType.GetGenericArguments()[0];
            object? configure = descriptor.ImplementationInstance;
            if (configure is null && descriptor.ImplementationFactory is { } factory)
            {
                try
                {
                    configure = factory(provider);
                }
                catch (InvalidOperationException)
                {
                    continue; // a Configure<TDep> needing another service: not a binding from configuration
                }
            }

            if (configure?.GetType().GetProperty("Action")?.GetValue(configure) is Delegate { Target: { } closure }
                && SectionOf(closure) is { } section)
            {
                found.Add((section, optionsType));
            }
        }

        return found;
    }

    /// <summary>True when <paramref name="key"/> (a full path) is a key of the catalogue, or one of its sections.</summary>
    public bool IsKnown(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split(':');
        return _sections.Contains(key) || _patterns.Any(p => Matches(p, segments) || IsPrefixOf(segments, p));
    }

    /// <summary>
    /// Every key under <paramref name="root"/> that no options type reads, grouped by name (a list's elements are
    /// one key), each as "KEY (set in SOURCE) is not a configuration key: did you mean NEAREST?".
    /// </summary>
    public IReadOnlyList<string> FindUnknown(IConfiguration configuration, string root)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var errors = new List<string>();
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.GetSection(root).AsEnumerable().OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (value is null || IsKnown(key))
            {
                continue;
            }

            var name = NameOf(key);
            if (!reported.Add(name))
            {
                continue;
            }

            var nearest = Nearest(name);
            errors.Add($"{name} ({SourceOf(configuration, key)}) is not a configuration key{(nearest is null ? ": remove it" : $": did you mean {nearest}?")}");
        }

        return errors;
    }

    /// <summary>The known key nearest to <paramref name="key"/>: the same last name if any (a key put in the wrong section), else the smallest edit distance.</summary>
    public string? Nearest(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split(':');
        var candidates = _patterns.Select(p => Concrete(p, segments)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var leaf = segments[^1];
        var sameName = candidates.Where(c => string.Equals(c.Split(':')[^1], leaf, StringComparison.OrdinalIgnoreCase)).ToList();
        var pool = sameName.Count > 0 ? sameName : candidates;
        return pool.OrderBy(c => Distance(c, key)).ThenBy(c => c, StringComparer.Ordinal).First();
    }

    private void Learn(Type type, List<string> prefix, int depth, object? instance)
    {
        if (depth > MaxDepth)
        {
            AddPattern([.. prefix, Rest], type, null);
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null || !property.GetMethod.IsPublic)
            {
                continue;
            }

            var t = property.PropertyType;
            var canSet = property.SetMethod?.IsPublic == true;
            var value = instance is null ? null : Read(property, instance);
            if (IsSimple(t))
            {
                if (canSet)
                {
                    AddPattern([.. prefix, property.Name], t, value);
                }

                continue;
            }

            LearnValue(t, [.. prefix, property.Name], depth, value);
        }
    }

    private void LearnValue(Type t, List<string> path, int depth, object? value)
    {
        if (IsSimple(t))
        {
            AddPattern([.. path], t, value);
        }
        else if (DictionaryValueType(t) is { } valueType)
        {
            // Keys below a dictionary are data; below a dictionary of options they are that type's keys.
            if (IsSimple(valueType) || ElementType(valueType) is not null || DictionaryValueType(valueType) is not null)
            {
                AddPattern([.. path, Rest], t, value);
            }
            else
            {
                _sections.Add(string.Join(':', path));
                Learn(valueType, [.. path, One], depth + 1, NewInstance(valueType));
            }
        }
        else if (ElementType(t) is { } element)
        {
            if (IsSimple(element))
            {
                AddPattern([.. path, One], t, value);
            }
            else
            {
                LearnValue(element, [.. path, One], depth + 1, NewInstance(element));
            }
        }
        else
        {
            _sections.Add(string.Join(':', path));
            Learn(t, path, depth + 1, value ?? NewInstance(t));
        }
    }

    private void AddPattern(string[] pattern, Type type, object? value)
    {
        _patterns.Add(pattern);
        _entries.TryAdd(string.Join(':', pattern), (TypeName(type), Describe(value)));
    }

    private static object? NewInstance(Type type)
    {
        try
        {
            return type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(type);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    private static object? Read(PropertyInfo property, object instance)
    {
        try
        {
            return property.GetValue(instance);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    private static string TypeName(Type t)
    {
        if (Nullable.GetUnderlyingType(t) is { } inner)
        {
            return TypeName(inner);
        }

        if (t.IsEnum)
        {
            return string.Join(" \\| ", Enum.GetNames(t));
        }

        if (DictionaryValueType(t) is { } value)
        {
            return "map of " + TypeName(value);
        }

        if (t != typeof(string) && ElementType(t) is { } element)
        {
            return "list of " + TypeName(element);
        }

        return t == typeof(string) ? "string" : t == typeof(TimeSpan) ? "duration" : t == typeof(bool) ? "bool" : t.IsPrimitive || t == typeof(decimal) ? "number" : t.Name;
    }

    /// <summary>The default as configuration text; values of the machine (its name) are not defaults a document can hold.</summary>
    private static string? Describe(object? value)
    {
        var text = value switch
        {
            null => null,
            string s => s,
            bool b => b ? "true" : "false",
            TimeSpan span => span.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            IEnumerable items => string.Join(", ", items.Cast<object?>().Select(i => Convert.ToString(i, System.Globalization.CultureInfo.InvariantCulture))),
            _ => null,
        };
        if (text is null || text.Length == 0)
        {
            return null;
        }

        return text == Environment.MachineName || text == Environment.GetEnvironmentVariable("HOSTNAME") ? "(host name)" : text;
    }

    private static bool IsSimple(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(DateTime)
            || t == typeof(DateTimeOffset) || t == typeof(Guid) || t == typeof(Uri) || t == typeof(byte[])
            || (t != typeof(object) && TypeDescriptor.GetConverter(t).CanConvertFrom(typeof(string)) && !typeof(IEnumerable).IsAssignableFrom(t));
    }

    private static Type? DictionaryValueType(Type t)
    {
        var dictionary = t.IsGenericType && t.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>) || d == typeof(Dictionary<,>))
            ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ElementType(Type t)
    {
        if (t.IsArray)
        {
            return t.GetElementType();
        }

        if (t == typeof(string))
        {
            return null;
        }

        var enumerable = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static bool Matches(string[] pattern, string[] key)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == Rest)
            {
                return key.Length > i;
            }

            if (i >= key.Length || (pattern[i] != One && !string.Equals(pattern[i], key[i], StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return key.Length == pattern.Length;
    }

    /// <summary>True when <paramref name="key"/> names a section above a known key (an empty JSON object or array).</summary>
    private static bool IsPrefixOf(string[] key, string[] pattern)
    {
        if (key.Length >= pattern.Length)
        {
            return false;
        }

        for (var i = 0; i < key.Length; i++)
        {
            if (pattern[i] == Rest)
            {
                return true;
            }

            if (pattern[i] != One && !string.Equals(pattern[i], key[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The pattern with its wildcards filled from the key where it has the segment; trailing wildcards dropped.</summary>
    private static string Concrete(string[] pattern, string[] key)
    {
        var parts = new List<string>();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] is One or Rest)
            {
                if (i >= key.Length - 1 || pattern[i] == Rest)
                {
                    break; // "Listeners:*" reads as "Listeners"
                }

                parts.Add(key[i]);
            }
            else
            {
                parts.Add(pattern[i]);
            }
        }

        return string.Join(':', parts);
    }

    /// <summary>The key without its trailing list indexes (every element of a misplaced list is one error).</summary>
    private static string NameOf(string key)
    {
        var segments = key.Split(':').ToList();
        while (segments.Count > 1 && segments[^1].All(char.IsAsciiDigit))
        {
            segments.RemoveAt(segments.Count - 1);
        }

        return string.Join(':', segments);
    }

    private static string SourceOf(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return "configuration";
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider switch
            {
                Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider json => "set in " + (json.Source.Path ?? "a JSON file"),
                Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationProvider => "set by environment variable " + key.Replace(":", "__", StringComparison.Ordinal),
                Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationProvider => "set on the command line as --" + key,
                _ => "set by " + provider.GetType().Name,
            };
        }

        return "configuration";
    }

    private static string? SectionOf(object closure)
    {
        foreach (var field in closure.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            switch (field.GetValue(closure))
            {
                case IConfigurationSection section:
                    return section.Path; // OptionsBuilder.Bind(section)
                case string path when path.Length > 0:
                    return path; // OptionsBuilder.BindConfiguration("Section:Path")
            }
        }

        return null;
    }

    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Resolves only <see cref="IConfiguration"/>: enough to read where a BindConfiguration registration binds.</summary>
    private sealed class ConfigurationOnlyServiceProvider(IConfiguration configuration) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IConfiguration) ? configuration : throw new InvalidOperationException("only IConfiguration is available here");
    }
}
