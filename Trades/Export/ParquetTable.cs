using System.Buffers;
using System.IO.Compression;
using Parquet;
using Parquet.Schema;

namespace Trades.Export;

/// <summary>
/// One column of a Parquet file the product writes, filled from rows of <typeparamref name="T"/>. Every column type the
/// lake and the CLI use is one factory here (names and logical types are the files' contract), so changing how a kind
/// of value is stored is one edit.
/// </summary>
internal abstract class ParquetColumn<T>(DataField dataField, bool dictionary = false)
{
    public DataField Field => dataField;

    /// <summary>Low-cardinality text, written with a dictionary page instead of every value.</summary>
    public bool Dictionary => dictionary;

    /// <summary>A pooled buffer for this column's values of up to <paramref name="capacity"/> rows.</summary>
    public abstract ColumnBuffer CreateBuffer(int capacity);

    public static ParquetColumn<T> Int64(string name, Func<T, long> value) => new Values<long>(new DataField<long>(name, false), value);

    public static ParquetColumn<T> Int32(string name, Func<T, int> value) => new Values<int>(new DataField<int>(name, false), value);

    public static ParquetColumn<T> Double(string name, Func<T, double> value) => new Values<double>(new DataField<double>(name, false), value);

    /// <summary>
    /// An exact DECIMAL(<paramref name="precision"/>, <paramref name="scale"/>): prices, volumes and their totals as
    /// received and summed, never a binary fraction. The validator bounds what arrives (scale, magnitude) so every value fits.
    /// </summary>
    public static ParquetColumn<T> Decimal(string name, int precision, int scale, Func<T, decimal> value) =>
        new Values<decimal>(new DecimalDataField(name, precision, scale, forceByteArrayEncoding: false, isNullable: false), value);

    /// <summary>A double that may be missing (null in the file).</summary>
    public static ParquetColumn<T> OptionalDouble(string name, Func<T, double?> value) => new OptionalValues<double>(new DataField<double>(name, true), value);

    /// <summary>TIMESTAMP (microseconds, not adjusted to UTC: the values are UTC wall-clock times, as the exchange gives them).</summary>
    public static ParquetColumn<T> Timestamp(string name, Func<T, DateTime> value) =>
        new Values<DateTime>(new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, DateTimeTimeUnit.Micros, isNullable: false), value);

    public static ParquetColumn<T> Date(string name, Func<T, DateOnly> value) => new Values<DateOnly>(new DataField<DateOnly>(name, false), value);

    /// <summary>UTF-8 text; <paramref name="dictionary"/> for columns with few distinct values.</summary>
    public static ParquetColumn<T> Text(string name, Func<T, string> value, bool dictionary = false) =>
        new Values<ReadOnlyMemory<char>>(new DataField<string>(name, false), row => value(row).AsMemory(), dictionary);

    /// <summary>One column's values of a row group, set row by row and then written as the row group's column.</summary>
    public abstract class ColumnBuffer : IDisposable
    {
        public abstract void Set(int index, T row);

        public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken);

        public abstract void Dispose();
    }

    private sealed class Values<TValue>(DataField field, Func<T, TValue> value, bool dictionary = false) : ParquetColumn<T>(field, dictionary)
        where TValue : struct
    {
        private readonly Func<T, TValue> _value = value;

        public override ColumnBuffer CreateBuffer(int capacity) => new Buffer(this, capacity);

        private sealed class Buffer(Values<TValue> column, int capacity) : ColumnBuffer
        {
            // text values reference their strings: cleared, so the pool does not keep the rows' text alive
            private static readonly bool HoldsReferences = System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<TValue>();

            private readonly TValue[] _values = ArrayPool<TValue>.Shared.Rent(capacity);

            public override void Set(int index, T row) => _values[index] = column._value(row);

            public override Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken) =>
                rowGroup.WriteAsync<TValue>(column.Field, _values.AsMemory(0, count), cancellationToken: cancellationToken);

            public override void Dispose() => ArrayPool<TValue>.Shared.Return(_values, clearArray: HoldsReferences);
        }
    }

    private sealed class OptionalValues<TValue>(DataField field, Func<T, TValue?> value) : ParquetColumn<T>(field)
        where TValue : struct
    {
        private readonly Func<T, TValue?> _value = value;

        public override ColumnBuffer CreateBuffer(int capacity) => new Buffer(this, capacity);

        private sealed class Buffer(OptionalValues<TValue> column, int capacity) : ColumnBuffer
        {
            private readonly TValue?[] _values = ArrayPool<TValue?>.Shared.Rent(capacity);

            public override void Set(int index, T row) => _values[index] = column._value(row);

            public override Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken cancellationToken) =>
                rowGroup.WriteAsync<TValue>(column.Field, (ReadOnlyMemory<TValue?>)_values.AsMemory(0, count), cancellationToken: cancellationToken);

            public override void Dispose() => ArrayPool<TValue?>.Shared.Return(_values);
        }
    }
}

/// <summary>A Parquet file layout: its columns in file order, written zstd-compressed in row groups.</summary>
internal sealed class ParquetTable<T>
{
    /// <summary>Rows per row group: DuckDB's default, which the lake's files have always used.</summary>
    public const int RowGroupSize = 122_880;

    private readonly ParquetColumn<T>[] _columns;
    private readonly ParquetOptions _options;

    public ParquetTable(params ParquetColumn<T>[] columns)
    {
        _columns = columns;
        Schema = new ParquetSchema(columns.Select(c => (Field)c.Field));
        // Optimal, not Parquet.Net's SmallestSize: zstd's smallest size is about 40 times slower for a few percent
        _options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = CompressionLevel.Optimal };
        foreach (var column in columns.Where(c => c.Dictionary))
            _options.ColumnEncodingHints[column.Field.Path.ToString()] = EncodingHint.Dictionary;
    }

    public ParquetSchema Schema { get; }

    /// <summary>
    /// Writes <paramref name="rows"/> in their order to a new file at <paramref name="path"/>. Each row group's column
    /// buffers are filled in one pass over the rows (every row is read once, not once per column), then written column
    /// by column.
    /// </summary>
    public async Task WriteAsync(string path, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        await using var writer = await ParquetWriter.CreateAsync(Schema, file, _options, cancellationToken: cancellationToken);
        var buffers = Array.ConvertAll(_columns, c => c.CreateBuffer(Math.Min(RowGroupSize, rows.Count)));
        try
        {
            for (var start = 0; start < rows.Count; start += RowGroupSize)
            {
                var count = Math.Min(RowGroupSize, rows.Count - start);
                for (var i = 0; i < count; i++)
                {
                    var row = rows[start + i];
                    foreach (var buffer in buffers) buffer.Set(i, row);
                }
                using var rowGroup = writer.CreateRowGroup();
                foreach (var buffer in buffers) await buffer.WriteAsync(rowGroup, count, cancellationToken);
                rowGroup.CompleteValidate();
            }
        }
        finally
        {
            foreach (var buffer in buffers) buffer.Dispose();
        }
    }
}
