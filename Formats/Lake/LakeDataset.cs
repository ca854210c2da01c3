using System.Globalization;
using System.Text.RegularExpressions;
using Parquet.Schema;

namespace Formats.Lake;

/// <summary>
/// A table of the lake as a query engine sees it (Athena over Glue, DuckDB with <c>hive_partitioning</c>): its name,
/// where its files go and the columns its Parquet files hold. <see cref="Location"/> is the key prefix of a partition,
/// its Hive folders' values as placeholders (<c>meters/raw/day={day}/device={device}/</c>). Writers build their keys
/// with <see cref="Folder"/> and write <see cref="Fields"/>, so the declaration is the layout; the Glue catalog
/// (terraform/modules/glue/datasets.json) is generated from these declarations and checked against them.
/// </summary>
public sealed partial record LakeDataset(string Name, string Description, string Location, IReadOnlyList<DataField> Fields)
{
    /// <summary>The placeholders of <see cref="Location"/> in path order: the partition keys.</summary>
    public IReadOnlyList<string> PartitionKeys { get; } = [.. Placeholder().Matches(Location).Select(m => m.Groups[1].Value)];

    /// <summary>
    /// The folder of one partition: <see cref="Location"/> with the placeholders replaced, in order, by
    /// <paramref name="values"/> (days as yyyy-MM-dd), each URI-escaped so that any symbol, device or area is one folder.
    /// </summary>
    public string Folder(params object[] values)
    {
        if (values.Length != PartitionKeys.Count)
            throw new ArgumentException($"{Name} is partitioned by {string.Join(", ", PartitionKeys)}: {values.Length} value(s) given", nameof(values));
        var next = 0;
        return Placeholder().Replace(Location, _ => Uri.EscapeDataString(values[next++] switch
        {
            DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            var value => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        }));
    }

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();
}
