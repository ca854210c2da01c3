using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Formats.Lake;
using Parquet.Schema;

namespace Deploy.Tests.Terraform;

/// <summary>
/// terraform/modules/glue/datasets.json, the Glue tables over the lake, as the code's writers declare them: every
/// <see cref="LakeDataset"/> a writer exposes becomes a table with Athena's names (lowercase), its partition keys in
/// path order, the projection template of its folders and its files' columns in file order with their Athena types
/// (a file's copy of a partition key is left out: Glue takes partition keys from the path).
/// </summary>
public static class GlueCatalog
{
    public static string FilePath => Repository.PathOf("terraform", "modules", "glue", "datasets.json");

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 2 };

    /// <summary>
    /// Every dataset declared by the assemblies beside this one that use Formats (static fields and properties of type
    /// <see cref="LakeDataset"/> or a list of them, whatever their visibility), so that a new table is found without
    /// being listed here.
    /// </summary>
    public static IReadOnlyList<LakeDataset> Declared()
    {
        var formats = typeof(LakeDataset).Assembly.GetName().Name;
        var found = new Dictionary<string, LakeDataset>();
        foreach (var assembly in AssembliesBeside().Where(a => a.GetReferencedAssemblies().Any(r => r.Name == formats)))
            foreach (var type in LoadableTypes(assembly).Where(t => !t.ContainsGenericParameters))
                foreach (var dataset in StaticValues(type).SelectMany(v => v switch { LakeDataset d => [d], IEnumerable<LakeDataset> list => list, _ => [] }))
                {
                    // the same table may be exposed twice (a writer's field and its list); two different ones may not share a name
                    if (found.TryGetValue(dataset.Name, out var other) && (other.Location != dataset.Location || !other.Fields.SequenceEqual(dataset.Fields)))
                        throw new InvalidOperationException($"two lake tables are named {dataset.Name}: {other.Location} and {dataset.Location}");
                    found[dataset.Name] = dataset;
                }
        return [.. found.Values.OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>The datasets as datasets.json holds them, keyed and ordered by table name.</summary>
    public static string Render(IEnumerable<LakeDataset> datasets)
    {
        var tables = new JsonObject();
        foreach (var dataset in datasets.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var keys = dataset.PartitionKeys.Select(k => k.ToLowerInvariant()).ToList();
            var template = dataset.Location;
            foreach (var key in dataset.PartitionKeys) template = template.Replace($"{{{key}}}", $"${{{key.ToLowerInvariant()}}}", StringComparison.Ordinal);
            tables[dataset.Name] = new JsonObject
            {
                ["description"] = dataset.Description,
                ["location"] = dataset.Location[..(dataset.Location[..dataset.Location.IndexOf('{')].LastIndexOf('/') + 1)],
                ["template"] = template,
                ["partition_keys"] = new JsonArray([.. keys.Select(k => JsonValue.Create(k))]),
                ["columns"] = new JsonArray([.. dataset.Fields
                    .Where(f => !keys.Contains(f.Name.ToLowerInvariant()))
                    .Select(f => new JsonObject { ["name"] = f.Name.ToLowerInvariant(), ["type"] = AthenaType(f) })]),
            };
        }
        return tables.ToJsonString(Indented) + "\n";
    }

    /// <summary>What Athena reads a Parquet field as (its Hive DDL type).</summary>
    public static string AthenaType(DataField field)
    {
        if (field is DecimalDataField d) return $"decimal({d.Precision},{d.Scale})";
        if (field is DateTimeDataField) return "timestamp";
        var type = field.ClrType;
        return type == typeof(string) || type == typeof(ReadOnlyMemory<char>) ? "string"
            : type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) ? "binary"
            : type == typeof(bool) ? "boolean"
            : type == typeof(short) ? "smallint"
            : type == typeof(int) ? "int"
            : type == typeof(long) ? "bigint"
            : type == typeof(float) ? "float"
            : type == typeof(double) ? "double"
            : type == typeof(DateTime) ? "timestamp"
            : type == typeof(DateOnly) ? "date"
            : throw new NotSupportedException($"column {field.Name}: no Athena type for {type.Name}");
    }

    /// <summary>Where the committed catalog differs from the declared one, table by table.</summary>
    public static IEnumerable<Violation> Differences(string expected, string committed)
    {
        var file = Path.GetRelativePath(Repository.Root, FilePath);
        var want = JsonNode.Parse(expected)!.AsObject();
        var have = JsonNode.Parse(committed)!.AsObject();
        foreach (var (name, table) in want)
        {
            if (!have.TryGetPropertyValue(name, out var present))
                yield return new(file, name, "a lake table the code writes has no Glue table");
            else
                foreach (var (property, value) in table!.AsObject())
                    if (!JsonNode.DeepEquals(value, present?[property]))
                        yield return new(file, name, $"{property} is {present?[property]?.ToJsonString() ?? "missing"}, the writer's is {value!.ToJsonString()}");
        }
        foreach (var (name, _) in have.Where(t => !want.ContainsKey(t.Key)))
            yield return new(file, name, "a Glue table over nothing the code writes");
    }

    static IEnumerable<Assembly> AssembliesBeside()
    {
        foreach (var path in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            AssemblyName name;
            try { name = AssemblyName.GetAssemblyName(path); }
            catch (BadImageFormatException) { continue; } // a native library
            yield return Assembly.Load(name);
        }
    }

    static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.OfType<Type>(); }
    }

    static IEnumerable<object?> StaticValues(Type type)
    {
        const BindingFlags flags = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var field in type.GetFields(flags).Where(f => Holds(f.FieldType))) yield return field.GetValue(null);
        foreach (var property in type.GetProperties(flags).Where(p => Holds(p.PropertyType) && p.GetIndexParameters().Length == 0)) yield return property.GetValue(null);
    }

    static bool Holds(Type type) => type == typeof(LakeDataset) || typeof(IEnumerable<LakeDataset>).IsAssignableFrom(type);
}
