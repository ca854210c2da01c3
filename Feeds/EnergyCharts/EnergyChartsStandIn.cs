using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Feeds.EnergyCharts;

/// <summary>
/// A local stand-in for the public Energy-Charts API (api.energy-charts.info): <c>/public_power</c>, <c>/price</c> and
/// <c>/installed_power</c> with the same query parameters and JSON shapes, for Germany (country <c>de</c>, bidding zone
/// <c>DE-LU</c>). Recorded days are served as recorded (revision 2: the recorded revision where there is one); every
/// other day is synthesised (<see cref="DaySynthesiser"/>) and listed under <c>stand_in.synthesised_days</c> in the body.
/// </summary>
sealed class EnergyChartsStandIn(RecordedDays recorded, DaySynthesiser synthesiser, StandInOptions options, ILogger<EnergyChartsStandIn> logger)
{
    public const int MaxDays = 400;
    static readonly ActivitySource Source = new("Pipeline.Feeds.EnergyCharts");

    public IResult PublicPower(string? country, string? start, string? end)
    {
        if (!IsGermany(country, "country", "de", out var problem) || !TryRange(start, end, out var days, out problem)) return problem!;
        using var span = Source.StartActivity("energy-charts stand-in public_power");
        var synthesised = new List<DateOnly>();
        var parts = days.Select(day =>
        {
            if (options.Revision == 2 && recorded.PublicPowerRevised.TryGetValue(day, out var revised)) return revised;
            if (recorded.PublicPower.TryGetValue(day, out var first)) return first;
            synthesised.Add(day);
            return synthesiser.PublicPower(day);
        }).ToList();
        return Json(writer =>
        {
            WriteSeconds(writer, parts);
            writer.WriteStartArray("production_types");
            foreach (var name in parts.SelectMany(p => p.Series.Select(s => s.Name)).Distinct())
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteStartArray("data");
                foreach (var part in parts)
                {
                    var values = part.Series.FirstOrDefault(s => s.Name == name).Values;
                    for (var i = 0; i < part.UnixSeconds.Length; i++) WriteValue(writer, values?[i]);
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteBoolean("deprecated", false);
            WriteStandIn(writer, synthesised);
        }, days, synthesised);
    }

    public IResult Price(string? bzn, string? start, string? end)
    {
        if (!IsGermany(bzn, "bzn", "DE-LU", out var problem) || !TryRange(start, end, out var days, out problem)) return problem!;
        using var span = Source.StartActivity("energy-charts stand-in price");
        var synthesised = new List<DateOnly>();
        var parts = days.Select(day =>
        {
            if (recorded.Prices.TryGetValue(day, out var real)) return real;
            synthesised.Add(day);
            return synthesiser.Price(day);
        }).ToList();
        return Json(writer =>
        {
            WriteSeconds(writer, parts);
            writer.WriteStartArray("price");
            foreach (var value in parts.SelectMany(p => p.Series[0].Values)) WriteValue(writer, value);
            writer.WriteEndArray();
            writer.WriteString("unit", parts[0].Unit);
            writer.WriteBoolean("deprecated", false);
            WriteStandIn(writer, synthesised);
        }, days, synthesised);
    }

    public IResult InstalledPower(string? country, string? timeStep)
    {
        if (!IsGermany(country, "country", "de", out var problem)) return problem!;
        return timeStep == "yearly" ? Results.Bytes(recorded.InstalledPowerYearly, "application/json")
            : Results.Problem($"time_step '{timeStep}': the stand-in has installed power for time_step=yearly only", statusCode: StatusCodes.Status400BadRequest);
    }

    IResult Json(Action<Utf8JsonWriter> body, List<DateOnly> days, List<DateOnly> synthesised)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        logger.LogInformation("served {First}..{Last}: {Recorded} recorded days, {Synthesised} synthesised (revision {Revision})",
            days[0], days[^1], days.Count - synthesised.Count, synthesised.Count, options.Revision);
        return Results.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
    }

    static void WriteSeconds(Utf8JsonWriter writer, List<DaySeries> parts)
    {
        writer.WriteStartArray("unix_seconds");
        foreach (var second in parts.SelectMany(p => p.UnixSeconds)) writer.WriteNumberValue(second);
        writer.WriteEndArray();
    }

    static void WriteValue(Utf8JsonWriter writer, double? value)
    {
        if (value is { } v) writer.WriteNumberValue(v); else writer.WriteNullValue();
    }

    static void WriteStandIn(Utf8JsonWriter writer, List<DateOnly> synthesised)
    {
        writer.WriteStartObject("stand_in");
        writer.WriteString("source", "Energy Pipeline stand-in (Feeds/EnergyCharts): recorded days are real, synthesised days are made up");
        writer.WriteStartArray("synthesised_days");
        foreach (var day in synthesised) writer.WriteStringValue(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    static bool IsGermany(string? value, string parameter, string recordedArea, out IResult? problem)
    {
        problem = string.Equals(value, recordedArea, StringComparison.OrdinalIgnoreCase) ? null
            : Results.Problem($"{parameter} '{value}': the stand-in serves {parameter}={recordedArea} only", statusCode: StatusCodes.Status400BadRequest);
        return problem is null;
    }

    static bool TryRange(string? start, string? end, out List<DateOnly> days, out IResult? problem)
    {
        days = [];
        problem = null;
        if (!TryDay(start, out var first)) problem = Results.Problem($"start '{start}' is not a date as yyyy-MM-dd", statusCode: StatusCodes.Status400BadRequest);
        else if (!TryDay(end, out var last)) problem = Results.Problem($"end '{end}' is not a date as yyyy-MM-dd", statusCode: StatusCodes.Status400BadRequest);
        else if (last < first || last.DayNumber - first.DayNumber >= MaxDays)
            problem = Results.Problem($"start {first:yyyy-MM-dd} to end {last:yyyy-MM-dd} is not 1 to {MaxDays} days", statusCode: StatusCodes.Status400BadRequest);
        else days = [.. Enumerable.Range(0, last.DayNumber - first.DayNumber + 1).Select(first.AddDays)];
        return problem is null;
    }

    static bool TryDay(string? text, out DateOnly day) => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}

static class EnergyChartsStandInRegistration
{
    /// <summary>Reads the <c>EnergyCharts</c> settings (a bad one stops the service at start) and the recorded payloads.</summary>
    public static void AddEnergyChartsStandIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(StandInOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton(RecordedDays.Load());
        builder.Services.AddSingleton<DaySynthesiser>();
        builder.Services.AddSingleton<EnergyChartsStandIn>();
    }

    /// <summary>The three endpoints, on the service's own HTTP port, at the public API's paths.</summary>
    public static void MapEnergyChartsStandIn(this WebApplication app)
    {
        app.MapGet("/public_power", (string? country, string? start, string? end, EnergyChartsStandIn api) => api.PublicPower(country, start, end));
        app.MapGet("/price", (string? bzn, string? start, string? end, EnergyChartsStandIn api) => api.Price(bzn, start, end));
        app.MapGet("/installed_power", (string? country, string? time_step, EnergyChartsStandIn api) => api.InstalledPower(country, time_step));
    }
}
