using System.Globalization;
using System.Text;

namespace Trades.Generation;

/// <summary>
/// Realistic EPEX/XBID continuous-intraday trades. Calibrated on the known facts of FR on 2023-01-01
/// (shared/data/README.md): about 32,700 rows; hour, half-hour and quarter-hour products; per-product average prices
/// from about −50 (morning) to +245 EUR/MWh (evening); 550–2,200 rows per delivery hour, more in the evening; volumes
/// from 0.1 MW with a heavy tail; the largest products by SELL volume are evening hours with 2,150–2,350 MW.
/// Each (day, area) draws from its own random stream derived from the seed, so output does not depend on which other
/// days or areas are generated with it.
/// </summary>
public static class TradeGenerator
{
    /// <summary>Delivery areas and their character: size relative to FR, price offset, local gate closure.</summary>
    private static readonly Dictionary<string, (int Index, double Size, double PriceOffset, int GateClosureMinutes)> AreaProfiles = new()
    {
        ["FR"] = (0, 1.0, 0, 30),
        ["DE"] = (1, 2.2, 6, 5),
        ["NL"] = (2, 0.7, 9, 5),
        ["BE"] = (3, 0.5, 4, 5),
        ["AT"] = (4, 0.4, 11, 5),
    };

    public static IReadOnlyList<string> Areas { get; } = [.. AreaProfiles.Keys];

    /// <summary>Rows per delivery hour by local hour (before scaling to ~32,700 a day): quiet nights, busy evenings.</summary>
    private static readonly double[] RowsByHour =
        [860, 760, 700, 680, 690, 740, 900, 1040, 1100, 1140, 1180, 1200, 1200, 1190, 1230, 1330, 1560, 1800, 1850, 1860, 1850, 1830, 1800, 1680];

    /// <summary>Price level by local hour, EUR/MWh: night, negative morning, solar dip, evening peak (a winter holiday).</summary>
    private static readonly double[] PriceByHour =
        [62, 48, 34, 20, 4, -18, -38, -46, -32, -10, 10, 22, 16, 6, 12, 42, 92, 168, 226, 240, 212, 174, 142, 110];

    private const double RowsPerDay = 32_700;
    private const double BothLegsShare = 0.4, SellOnlyShare = 0.4; // the rest are BUY-only rows
    private const double RowsPerTrade = 2 * BothLegsShare + (1 - BothLegsShare);

    /// <summary>Generates everything in memory (a day in one area is about 33k trades).</summary>
    public static (List<Trade> Trades, List<InjectedAnomaly> Anomalies) Generate(TradeGenerationOptions options)
    {
        var trades = new List<Trade>();
        var anomalies = new List<InjectedAnomaly>();
        foreach (var day in GenerateDays(options))
        {
            trades.AddRange(day.Trades);
            anomalies.AddRange(day.Anomalies);
        }
        return (trades, anomalies);
    }

    /// <summary>Generates day by day, area by area (days outer), so callers can stream many days.</summary>
    public static IEnumerable<GeneratedDay> GenerateDays(TradeGenerationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Days, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Anomalies);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Intensity);
        if (options.Areas.Count == 0) throw new ArgumentException("at least one delivery area is needed", nameof(options));
        foreach (var area in options.Areas)
            if (!AreaProfiles.ContainsKey(area)) throw new ArgumentException($"unknown delivery area '{area}'; known: {string.Join(", ", Areas)}", nameof(options));

        var slots = options.Days * options.Areas.Count;
        var slot = 0;
        for (var d = 0; d < options.Days; d++)
        {
            foreach (var area in options.Areas)
            {
                var anomalies = options.Anomalies / slots + (slot < options.Anomalies % slots ? 1 : 0);
                yield return GenerateDay(options.FirstDay.AddDays(d), area, options.Seed, anomalies, options.Intensity);
                slot++;
            }
        }
    }

    public static GeneratedDay GenerateDay(DateOnly day, string area, ulong seed, int anomalies = 0, double intensity = 1.0)
    {
        var profile = AreaProfiles[area];
        var random = new Xoshiro256(seed, (ulong)day.DayNumber, (ulong)profile.Index);
        var dayShift = random.Uniform(-8, 8);
        var dayScale = random.Uniform(0.92, 1.08);
        var rowScale = RowsPerDay / RowsByHour.Sum() * profile.Size * intensity;

        var drafts = new List<Draft>();
        var products = new List<ProductPlan>();
        var orderCounter = 0;
        var dayStart = MarketTime.StartOfDayUtc(day);
        var dayEnd = MarketTime.StartOfDayUtc(day.AddDays(1));
        var tradingOpensLocal = day.AddDays(-1).ToDateTime(new TimeOnly(15, 0));
        for (var hourStart = dayStart; hourStart < dayEnd; hourStart = hourStart.AddHours(1))
        {
            var localHour = TimeZoneInfo.ConvertTimeFromUtc(hourStart, MarketTime.Zone).Hour;
            var hourRows = RowsByHour[localHour] * rowScale * random.Uniform(0.94, 1.06);
            // hour products carry most of the volume; half- and quarter-hours trade the intra-hour shape
            AddProducts(TradeColumns.HourProduct, 1, 0.55, volumeMedian: 2.1, openDelayMinutes: 0);
            AddProducts(TradeColumns.HalfHourProduct, 2, 0.15, volumeMedian: 1.3, openDelayMinutes: 30);
            AddProducts(TradeColumns.QuarterHourProduct, 4, 0.30, volumeMedian: 1.0, openDelayMinutes: 60);

            void AddProducts(string name, int parts, double rowShare, double volumeMedian, int openDelayMinutes)
            {
                var length = TimeSpan.FromMinutes(60 / parts);
                for (var part = 0; part < parts; part++)
                {
                    var start = hourStart + length * part;
                    var level = (ShapeAt(start.AddMinutes(length.TotalMinutes / 2)) * dayScale) + dayShift + profile.PriceOffset + random.Normal(0, 5);
                    var sigma = 3 + 0.05 * Math.Abs(level);
                    var plan = new ProductPlan(new FinancialProduct(name, start, start + length, area), level, sigma, random.Uniform(-1, 1) * sigma);
                    products.Add(plan);
                    var trades = (int)Math.Round(hourRows * rowShare / parts / RowsPerTrade * random.Uniform(0.9, 1.1));
                    var opens = TimeZoneInfo.ConvertTimeToUtc(tradingOpensLocal.AddMinutes(openDelayMinutes), MarketTime.Zone);
                    var closes = start.AddMinutes(-profile.GateClosureMinutes);
                    for (var made = 0; made < trades;)
                    {
                        // one aggressive order fills several resting orders at one price and instant
                        var fills = Math.Min(trades - made, 1 + random.Geometric(0.55, max: 7));
                        var executed = ExecutionTime(random, opens, closes);
                        var progress = (executed - opens) / (closes - opens);
                        var price = level + plan.Drift * (progress - 0.5) * 2 + sigma * random.IrwinHall3();
                        var aggressor = random.NextDouble() < 0.5 ? TradeSide.Buy : TradeSide.Sell;
                        var order = orderCounter++;
                        for (var fill = 0; fill < fills; fill++, made++)
                        {
                            var volume = Math.Clamp(volumeMedian * Math.Exp(random.Normal(0, 1.0)), 0.1, 500);
                            if (random.NextDouble() < 0.004) volume = Math.Min(volume * random.Uniform(4, 12), 500); // block trades
                            var legs = random.NextDouble();
                            drafts.Add(new Draft(products.Count - 1, executed, Cents(price), Tenths(volume), aggressor, order,
                                legs < BothLegsShare ? Legs.Both : legs < BothLegsShare + SellOnlyShare ? Legs.Sell : Legs.Buy));
                        }
                    }
                }
            }
        }

        // trade and order ids grow with execution time, as at the exchange
        drafts.Sort((a, b) => a.ExecutionTime != b.ExecutionTime ? a.ExecutionTime.CompareTo(b.ExecutionTime) : a.Sequence.CompareTo(b.Sequence));
        var injected = ChooseAnomalies(random, drafts, products, anomalies);
        var firstTradeId = 1_300_000_000L + ((long)(day.DayNumber - 730_000) * 5 + profile.Index) * 1_000_000;
        var nextOrderId = 13_000_000_000L + ((long)(day.DayNumber - 730_000) * 5 + profile.Index) * 10_000_000;
        var orderIds = new Dictionary<int, long>();
        var trades = new List<Trade>((int)(drafts.Count * RowsPerTrade));
        var ground = new List<InjectedAnomaly>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var draft = drafts[i];
            var product = products[draft.Product].Product;
            var tradeId = firstTradeId + i;
            if (!orderIds.TryGetValue(draft.Order, out var aggressorOrder)) orderIds[draft.Order] = aggressorOrder = nextOrderId++;
            var passiveOrder = nextOrderId++;
            var price = draft.Price;
            if (injected.TryGetValue(i, out var anomaly))
            {
                ground.Add(new InjectedAnomaly(tradeId, product, anomaly.Kind, price, anomaly.Price));
                price = anomaly.Price;
            }
            var sell = new Trade
            {
                TradeId = tradeId,
                RemoteTradeId = (tradeId - 1_141_000_000L).ToString(CultureInfo.InvariantCulture),
                Side = TradeSide.Sell,
                Product = product.Product,
                DeliveryStart = product.DeliveryStart,
                DeliveryEnd = product.DeliveryEnd,
                ExecutionTime = draft.ExecutionTime,
                DeliveryArea = area,
                TradePhase = "CONT",
                UserDefinedBlock = "N",
                SelfTrade = "U",
                Price = price,
                Currency = "EUR",
                Volume = draft.Volume,
                VolumeUnit = "MWH",
                OrderId = draft.Aggressor == TradeSide.Sell ? aggressorOrder : passiveOrder,
            };
            if (draft.Legs != Legs.Buy) trades.Add(sell);
            if (draft.Legs != Legs.Sell)
                trades.Add(sell with { Side = TradeSide.Buy, OrderId = draft.Aggressor == TradeSide.Buy ? aggressorOrder : passiveOrder });
        }
        return new GeneratedDay(day, area, trades, ground);
    }

    /// <summary>The ground-truth side file: one line per injected anomaly.</summary>
    public static void WriteAnomalies(string path, IEnumerable<InjectedAnomaly> anomalies)
    {
        var text = new StringBuilder("TradeId,Product,DeliveryStart,DeliveryEnd,DeliveryArea,Kind,OriginalPrice,Price\n");
        foreach (var a in anomalies)
            text.Append(CultureInfo.InvariantCulture, $"{a.TradeId},{a.Product.Product},{TradeFormat.Timestamp(a.Product.DeliveryStart, false)},{TradeFormat.Timestamp(a.Product.DeliveryEnd, false)},{a.Product.DeliveryArea},{a.Kind},{TradeFormat.Number(a.OriginalPrice)},{TradeFormat.Number(a.Price)}\n");
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    /// <summary>The comment line the generator puts first in its CSV files.</summary>
    public static string Comment(TradeGenerationOptions options) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Continuous_Trades {string.Join("+", options.Areas)} {options.FirstDay:yyyy-MM-dd} ({options.Days} day{(options.Days > 1 ? "s" : "")}), generated by Energy Pipeline, seed {options.Seed}, anomalies {options.Anomalies}");

    /// <summary>
    /// Spikes and drops on trades of products with at least 10 trades, far enough from the product's level
    /// (at least 60 EUR/MWh and 60 % of the level) to be a real market anomaly rather than noise.
    /// </summary>
    private static Dictionary<int, (string Kind, decimal Price)> ChooseAnomalies(Xoshiro256 random, List<Draft> drafts, List<ProductPlan> products, int count)
    {
        var chosen = new Dictionary<int, (string, decimal)>();
        if (count == 0) return chosen;
        var tradesPerProduct = new int[products.Count];
        foreach (var draft in drafts) tradesPerProduct[draft.Product]++;
        var candidates = Enumerable.Range(0, drafts.Count).Where(i => tradesPerProduct[drafts[i].Product] >= 10).ToList();
        count = Math.Min(count, candidates.Count / 10);
        var perProduct = new Dictionary<int, int>();
        while (chosen.Count < count)
        {
            var index = candidates[random.Next(candidates.Count)];
            var product = drafts[index].Product;
            if (chosen.ContainsKey(index) || perProduct.GetValueOrDefault(product) >= 2) continue;
            perProduct[product] = perProduct.GetValueOrDefault(product) + 1;
            var plan = products[product];
            var magnitude = Math.Max(60, 0.6 * Math.Abs(plan.Level)) + random.Uniform(0, 10) * plan.Sigma;
            var spike = random.NextDouble() < 0.5;
            chosen[index] = (spike ? "spike" : "drop", Cents(plan.Level + (spike ? magnitude : -magnitude)));
        }
        return chosen;
    }

    private static double ShapeAt(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, MarketTime.Zone);
        var hour = local.Hour + local.Minute / 60.0 - 0.5; // PriceByHour holds the level at mid-hour
        var from = (int)Math.Floor(hour);
        var weight = hour - from;
        return PriceByHour[(from + 24) % 24] * (1 - weight) + PriceByHour[(from + 1) % 24] * weight;
    }

    /// <summary>Trading intensifies toward gate closure: 80 % of orders within a few hours of it, the rest spread out.</summary>
    private static DateTime ExecutionTime(Xoshiro256 random, DateTime opens, DateTime closes)
    {
        var window = (closes - opens).TotalMilliseconds;
        double beforeClose;
        do beforeClose = random.NextDouble() < 0.8 ? random.Exponential(2.5 * 3_600_000) : random.NextDouble() * window;
        while (beforeClose >= window);
        return closes.AddMilliseconds(-Math.Ceiling(beforeClose));
    }

    private static decimal Cents(double value) => Normalize(decimal.Round((decimal)value, 2, MidpointRounding.ToEven));

    private static decimal Tenths(double value) => Normalize(Math.Max(0.1m, decimal.Round((decimal)value, 1, MidpointRounding.ToEven)));

    /// <summary>Drops trailing zeros so the CSV shows 5 and 0.8, like the exchange, rather than 5.0 and 0.80.</summary>
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private sealed record ProductPlan(FinancialProduct Product, double Level, double Sigma, double Drift);

    private enum Legs : byte { Both, Sell, Buy }

    private readonly record struct Draft(int Product, DateTime ExecutionTime, decimal Price, decimal Volume, TradeSide Aggressor, int Order, Legs Legs)
    {
        public long Sequence => ((long)Order << 20) | (uint)Product;
    }
}

/// <summary>xoshiro256** seeded by SplitMix64: a small, fast generator whose sequence we own (reproducible across .NET versions).</summary>
internal sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(params ulong[] seeds)
    {
        var x = 0x9E3779B97F4A7C15UL;
        foreach (var seed in seeds) x = SplitMix(x ^ seed);
        _s0 = SplitMix(x); _s1 = SplitMix(_s0); _s2 = SplitMix(_s1); _s3 = SplitMix(_s2);
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public ulong NextULong()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t; _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public int Next(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public double Normal(double mean, double sd)
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Sum of three U(−1, 1): mean 0, variance 1, bounded by ±3 (market noise without unbounded tails).</summary>
    public double IrwinHall3() => Uniform(-1, 1) + Uniform(-1, 1) + Uniform(-1, 1);

    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    public int Geometric(double p, int max)
    {
        var n = 0;
        while (n < max && NextDouble() > p) n++;
        return n;
    }
}
