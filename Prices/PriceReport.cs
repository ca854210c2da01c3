namespace Prices;

/// <summary>Per-symbol statistics of a batch: standard deviation is the sample one (n − 1; 0 for a single tick).</summary>
public sealed record SymbolStatistics(string Symbol, long Count, double Min, double Max, double Mean, double StandardDeviation);

/// <summary>A tick whose price is more than the threshold of standard deviations from its symbol's mean.</summary>
public sealed record PriceOutlier(DateTime Ts, string Symbol, double Price, double ZScore);

/// <summary>A message that is not a tick: where it was ("line 12", "partition 3 offset 1041"), why, and the message as received (its first 500 characters).</summary>
public sealed record InvalidTick(string Location, string Reason, string Payload)
{
    public const int PayloadKept = 500;
}

/// <summary>
/// The batch report: how many ticks, per-symbol statistics, and the outliers by |z| above <see cref="Threshold"/>,
/// with <see cref="ZScoreBasis"/> saying which statistics the z-scores use. Invalid messages are counted, and the
/// first ones listed, never dropped silently.
/// </summary>
public sealed record PriceReport(
    long Count,
    IReadOnlyList<SymbolStatistics> Symbols,
    double Threshold,
    string ZScoreBasis,
    IReadOnlyList<PriceOutlier> Outliers,
    long Invalid,
    IReadOnlyList<InvalidTick> InvalidExamples)
{
    /// <summary>What was read: a file's path, or the topic and the offsets it was read up to.</summary>
    public string Source { get; init; } = "";

    public const double DefaultThreshold = 3;

    public const string Basis =
        "z = (price - mean) / standard deviation, with the mean and the sample standard deviation (n - 1) of the tick's own symbol over the whole batch, outliers included";
}

/// <summary>
/// Builds a <see cref="PriceReport"/> from ticks added one at a time: statistics in one pass (Welford's method, stable
/// for prices far from zero), outliers in a second pass over the kept ticks once the statistics are final. Builders
/// filled in parallel over parts of a batch are combined with <see cref="Merge"/>.
/// </summary>
public sealed class PriceReportBuilder(double threshold = PriceReport.DefaultThreshold)
{
    public const int InvalidExamplesKept = 20;

    sealed class Accumulator(string symbol)
    {
        public readonly string Symbol = symbol;
        public long Count;
        public double Mean, M2, Min = double.PositiveInfinity, Max = double.NegativeInfinity;
    }

    readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    readonly List<Accumulator> _symbols = [];
    readonly List<long> _ts = [];
    readonly List<int> _symbol = [];
    readonly List<double> _price = [];
    readonly List<InvalidTick> _invalid = [];
    long _invalidCount;

    public void Add(PriceTick tick)
    {
        var s = IndexOf(tick.Symbol);
        var a = _symbols[s];
        a.Count++;
        var delta = tick.Price - a.Mean;
        a.Mean += delta / a.Count;
        a.M2 += delta * (tick.Price - a.Mean);
        a.Min = Math.Min(a.Min, tick.Price);
        a.Max = Math.Max(a.Max, tick.Price);
        _ts.Add(tick.Ts.Ticks);
        _symbol.Add(s);
        _price.Add(tick.Price);
    }

    int IndexOf(string symbol)
    {
        if (!_index.TryGetValue(symbol, out var s))
        {
            _index[symbol] = s = _symbols.Count;
            _symbols.Add(new Accumulator(symbol));
        }
        return s;
    }

    /// <summary>
    /// Takes in everything <paramref name="other"/> took in (its ticks after this one's, its rejected messages, the
    /// first examples up to the kept number), as if they had been added here. Each symbol's mean and sum of squared
    /// deviations combine by Chan, Golub and LeVeque's pairwise update, as stable as Welford's one at a time.
    /// </summary>
    public void Merge(PriceReportBuilder other)
    {
        var symbols = new int[other._symbols.Count];
        for (var i = 0; i < symbols.Length; i++)
        {
            var b = other._symbols[i];
            var a = _symbols[symbols[i] = IndexOf(b.Symbol)];
            if (a.Count == 0)
                (a.Count, a.Mean, a.M2) = (b.Count, b.Mean, b.M2);
            else
            {
                var count = a.Count + b.Count;
                var delta = b.Mean - a.Mean;
                a.M2 += b.M2 + delta * delta * ((double)a.Count * b.Count / count);
                a.Mean += delta * ((double)b.Count / count);
                a.Count = count;
            }
            a.Min = Math.Min(a.Min, b.Min);
            a.Max = Math.Max(a.Max, b.Max);
        }
        _ts.AddRange(other._ts);
        _price.AddRange(other._price);
        foreach (var s in other._symbol) _symbol.Add(symbols[s]);
        _invalidCount += other._invalidCount;
        _invalid.AddRange(other._invalid.Take(InvalidExamplesKept - _invalid.Count));
    }

    public void AddInvalid(string location, string reason, ReadOnlySpan<byte> payload)
    {
        if (++_invalidCount > InvalidExamplesKept) return;
        var text = System.Text.Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, InvalidTick.PayloadKept * 4)]);
        _invalid.Add(new InvalidTick(location, reason, text.Length <= InvalidTick.PayloadKept ? text : text[..InvalidTick.PayloadKept] + "…"));
    }

    /// <summary>
    /// Parses a message and adds it as a tick, or returns false with the reason (the caller adds it with its location,
    /// built only for the rare invalid message).
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> message, out string reason)
    {
        if (!PriceTickParser.TryParse(message, out var tick, out reason)) return false;
        Add(tick);
        return true;
    }

    public PriceReport Build(string source = "")
    {
        var statistics = _symbols.Select(a => new SymbolStatistics(a.Symbol, a.Count, a.Min, a.Max, a.Mean, a.Count > 1 ? Math.Sqrt(a.M2 / (a.Count - 1)) : 0)).ToArray();
        var outliers = new List<PriceOutlier>();
        for (var i = 0; i < _price.Count; i++)
        {
            var s = statistics[_symbol[i]];
            if (s.StandardDeviation == 0) continue; // every price equal: nothing stands out
            var z = (_price[i] - s.Mean) / s.StandardDeviation;
            if (Math.Abs(z) > threshold) outliers.Add(new PriceOutlier(new DateTime(_ts[i], DateTimeKind.Utc), s.Symbol, _price[i], z));
        }
        return new PriceReport(_price.Count, statistics.OrderBy(s => s.Symbol, StringComparer.Ordinal).ToList(), threshold, PriceReport.Basis,
            outliers.OrderByDescending(o => Math.Abs(o.ZScore)).ToList(), _invalidCount, _invalid)
        { Source = source };
    }

    /// <summary>The report of a JSON-lines file (one message per line; blank lines carry nothing and are skipped).</summary>
    public static PriceReport FromFile(string path, double threshold = PriceReport.DefaultThreshold)
    {
        var builder = new PriceReportBuilder(threshold);
        var text = File.ReadAllBytes(path).AsSpan();
        long line = 0;
        foreach (var range in text.Split((byte)'\n'))
        {
            line++;
            var message = text[range].TrimEnd((byte)'\r');
            if (!message.Trim(" \t"u8).IsEmpty && !builder.TryAdd(message, out var reason)) builder.AddInvalid($"line {line}", reason, message);
        }
        return builder.Build(path);
    }
}
