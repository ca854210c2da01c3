using System.Buffers;
using System.IO.Compression;
using Parquet;
using Parquet.Schema;

namespace Trades.Export;

/// <summary>
/// One column of a Parquet file the product writes, filled from rows of <typeparamref name="T"/>. Every column type the
/// lake and the CLI use is one factory here (names and logical types are the files' contract), so changing how a kind
/// of value is stored, e.g. prices as Parquet decimals, is one edit.
/// </summary>
internal abstract class ParquetColumn<T>(DataField dataField, bool dictionary = false)
{
    public DataField Field => dataField;

    /// <summary>Low-cardinality text, written with a dictionary page instead of every value.</summary>
    public bool Dictionary => dictionary;

    /// <summary>Writes the values of <paramref name="rows"/> as this column of <paramref name="rowGroup"/>.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, IReadOnlyList<T> rows, int start, int count, CancellationToken cancellationToken);

    public static ParquetColumn<T> Int64(string name, Func<T, long> value) => new Values<long>(new DataField<long>(name, false), value);

    public static ParquetColumn<T> Int32(string name, Func<T, int> value) => new Values<int>(new DataField<int>(name, false), value);

    public static ParquetColumn<T> Double(string name, Func<T, double> value) => new Values<double>(new DataField<double>(name, false), value);

    /// <summary>A double that may be missing (null in the file).</summary>
    public static ParquetColumn<T> OptionalDouble(string name, Func<T, double?> value) => new OptionalValues<double>(new DataField<double>(name, true), value);

    /// <summary>TIMESTAMP (microseconds, not adjusted to UTC: the values are UTC wall-clock times, as the exchange gives them).</summary>
    public static ParquetColumn<T> Timestamp(string name, Func<T, DateTime> value) =>
        new Values<DateTime>(new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, DateTimeTimeUnit.Micros, isNullable: false), value);

    public static ParquetColumn<T> Date(string name, Func<T, DateOnly> value) => new Values<DateOnly>(new DataField<DateOnly>(name, false), value);

    /// <summary>UTF-8 text; <paramref name="dictionary"/> for columns with few distinct values.</summary>
    public static ParquetColumn<T> Text(string name, Func<T, string> value, bool dictionary = false) =>
        new Values<ReadOnlyMemory<char>>(new DataField<string>(name, false), row => value(row).AsMemory(), dictionary);

    // the values of a row group go through a pooled buffer: no array per column and row group
    private sealed class Values<TValue>(DataField field, Func<T, TValue> value, bool dictionary = false) : ParquetColumn<T>(field, dictionary)
        where TValue : struct
    {
        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, IReadOnlyList<T> rows, int start, int count, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<TValue>.Shared.Rent(count);
            try
            {
                for (var i = 0; i < count; i++) buffer[i] = value(rows[start + i]);
                await rowGroup.WriteAsync<TValue>(Field, buffer.AsMemory(0, count), cancellationToken: cancellationToken);
            }
            finally
            {
                ArrayPool<TValue>.Shared.Return(buffer, clearArray: HoldsReferences);
            }
        }

        // text values reference their strings: cleared, so the pool does not keep the rows' text alive
        private static readonly bool HoldsReferences = System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<TValue>();
    }

    private sealed class OptionalValues<TValue>(DataField field, Func<T, TValue?> value) : ParquetColumn<T>(field)
        where TValue : struct
    {
        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, IReadOnlyList<T> rows, int start, int count, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<TValue?>.Shared.Rent(count);
            try
            {
                for (var i = 0; i < count; i++) buffer[i] = value(rows[start + i]);
                await rowGroup.WriteAsync<TValue>(Field, (ReadOnlyMemory<TValue?>)buffer.AsMemory(0, count), cancellationToken: cancellationToken);
            }
            finally
            {
                ArrayPool<TValue?>.Shared.Return(buffer);
            }
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

    /// <summary>Writes <paramref name="rows"/> in their order to a new file at <paramref name="path"/>.</summary>
    public async Task WriteAsync(string path, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        await using var writer = await ParquetWriter.CreateAsync(Schema, file, _options, cancellationToken: cancellationToken);
        for (var start = 0; start < rows.Count; start += RowGroupSize)
        {
            var count = Math.Min(RowGroupSize, rows.Count - start);
            using var rowGroup = writer.CreateRowGroup();
            foreach (var column in _columns) await column.WriteAsync(rowGroup, rows, start, count, cancellationToken);
            rowGroup.CompleteValidate();
        }
    }
}
