using System.Globalization;
using System.Text.Json;

namespace Grid.EnergyCharts;

/// <summary>One value of one series in long format: a production type (or "day-ahead" for prices) at a UTC instant.</summary>
public sealed record GridPoint(string Series, DateTime Timestamp, double Value, string Unit);

/// <summary>
/// A payload read into points. <see cref="Series"/> lists every series the payload named (also those whose values were
/// all null); <see cref="NullValues"/> counts the nulls Energy-Charts sends for values it does not have yet, which are
/// not points. <see cref="Deprecated"/> is the API's own flag that the endpoint is going away.
/// </summary>
public sealed record ParsedPayload(IReadOnlyList<GridPoint> Points, IReadOnlyList<string> Series, int NullValues, bool Deprecated);

/// <summary>
/// Reads the three Energy-Charts shapes strictly: a property missing, of another type or arrays of different lengths
/// is an <see cref="EnergyChartsShapeException"/> naming the URL and what is wrong, so a changed API stops the ingestion
/// instead of writing wrong points. Unknown extra properties are ignored (an API adding a field changes nothing we read).
/// </summary>
public static class EnergyChartsParser
{
    public const string PriceSeries = "day-ahead";

    public static ParsedPayload Parse(FetchedPayload payload)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.Body);
        }
        catch (JsonException e)
        {
            throw new EnergyChartsShapeException($"{payload.Request.Dataset} from {payload.Url}: not JSON ({e.Message})");
        }
        using (document)
        {
            var reader = new ShapeReader(payload);
            var root = reader.Object(document.RootElement, "the payload");
            return payload.Request.Dataset switch
            {
                GridDataset.PublicPower => reader.ProductionTypes(root, reader.UnixSeconds(root), name => name.Contains("share", StringComparison.OrdinalIgnoreCase) ? "%" : "MW"),
                GridDataset.InstalledPower => reader.ProductionTypes(root, reader.Years(root), _ => "GW"),
                GridDataset.Price => reader.Prices(root),
                var other => throw new ArgumentException($"unknown dataset '{other}'"),
            };
        }
    }

    sealed class ShapeReader(FetchedPayload payload)
    {
        public ParsedPayload ProductionTypes(JsonElement root, DateTime[] times, Func<string, string> unitOf)
        {
            var points = new List<GridPoint>();
            var series = new List<string>();
            var nulls = 0;
            foreach (var type in Array(root, "production_types").EnumerateArray())
            {
                var item = Object(type, "a production_types entry");
                var name = Property(item, "name", JsonValueKind.String, "a production_types entry").GetString()!;
                if (series.Contains(name)) throw Error($"production type '{name}' appears twice");
                series.Add(name);
                nulls += Values(item, "data", $"production type '{name}'", times, name, unitOf(name), points);
            }
            return new ParsedPayload(points, series, nulls, Deprecated(root));
        }

        public ParsedPayload Prices(JsonElement root)
        {
            var times = UnixSeconds(root);
            var unit = Property(root, "unit", JsonValueKind.String, "the payload").GetString()!;
            var points = new List<GridPoint>(times.Length);
            var nulls = Values(root, "price", "the prices", times, PriceSeries, unit, points);
            return new ParsedPayload(points, [PriceSeries], nulls, Deprecated(root));
        }

        public DateTime[] UnixSeconds(JsonElement root)
        {
            var array = Array(root, "unix_seconds");
            var times = new DateTime[array.GetArrayLength()];
            var i = 0;
            foreach (var value in array.EnumerateArray())
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds))
                    throw Error($"unix_seconds[{i}] is {value.ValueKind} '{value.GetRawText()}', not whole seconds");
                times[i] = DateTime.UnixEpoch.AddSeconds(seconds);
                if (i > 0 && times[i] <= times[i - 1]) throw Error($"unix_seconds[{i}] ({seconds}) does not follow unix_seconds[{i - 1}]");
                i++;
            }
            return times;
        }

        /// <summary>Yearly installed power: "2024" is the year that starts at local midnight of 1 January.</summary>
        public DateTime[] Years(JsonElement root) =>
            [.. Array(root, "time").EnumerateArray().Select((value, i) =>
                value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is > 1900 and < 3000
                    ? BerlinTime.StartOfDayUtc(new DateOnly(year, 1, 1))
                    : throw Error($"time[{i}] is '{value.GetRawText()}', not a year"))];

        int Values(JsonElement owner, string property, string what, DateTime[] times, string series, string unit, List<GridPoint> points)
        {
            var values = Array(owner, property);
            if (values.GetArrayLength() != times.Length)
                throw Error($"{what} has {values.GetArrayLength()} values for {times.Length} timestamps");
            var nulls = 0;
            var i = 0;
            foreach (var value in values.EnumerateArray())
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.Number: points.Add(new GridPoint(series, times[i], value.GetDouble(), unit)); break;
                    case JsonValueKind.Null: nulls++; break;
                    default: throw Error($"{what}: {property}[{i}] is {value.ValueKind} '{value.GetRawText()}', not a number");
                }
                i++;
            }
            return nulls;
        }

        static bool Deprecated(JsonElement root) => root.TryGetProperty("deprecated", out var flag) && flag.ValueKind == JsonValueKind.True;

        public JsonElement Object(JsonElement element, string what) =>
            element.ValueKind == JsonValueKind.Object ? element : throw Error($"{what} is {element.ValueKind}, not an object");

        JsonElement Array(JsonElement owner, string name) => Property(owner, name, JsonValueKind.Array, "the payload");

        JsonElement Property(JsonElement owner, string name, JsonValueKind kind, string where)
        {
            if (!owner.TryGetProperty(name, out var value))
                throw Error($"{where} has no '{name}' (properties: {string.Join(", ", owner.EnumerateObject().Select(p => p.Name))})");
            return value.ValueKind == kind ? value : throw Error($"'{name}' is {value.ValueKind}, not {kind}");
        }

        EnergyChartsShapeException Error(string problem) =>
            new($"{payload.Request.Dataset} from {payload.Url}: the shape changed: {problem}");
    }
}
