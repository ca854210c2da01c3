using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DuckDb;

/// <summary>
/// Up to <see cref="DuckDbDatabase.VectorSize"/> rows in columnar vectors. Fixed-width columns are exposed as spans
/// over DuckDB's own memory (no copies); strings are read from and written into duckdb_string_t slots.
/// </summary>
public sealed unsafe class DuckDbDataChunk : IDisposable
{
    private readonly DataChunkHandle _handle;
    private readonly DuckDbType[] _types;
    private readonly nint[] _vectors;
    private readonly nint[] _data; // each vector's data pointer, fetched once per fill instead of once per value
    private readonly int[] _widths; // bytes per value in each column's data array; 0 for strings and types not accessed directly

    internal DuckDbDataChunk(DataChunkHandle handle, IReadOnlyList<DuckDbType> types)
    {
        _handle = handle;
        _types = [.. types];
        _vectors = new nint[_types.Length];
        _data = new nint[_types.Length];
        _widths = new int[_types.Length];
        for (var column = 0; column < _vectors.Length; column++)
        {
            _vectors[column] = NativeMethods.duckdb_data_chunk_get_vector(handle, (ulong)column);
            _widths[column] = _types[column] == DuckDbType.Enum ? EnumWidth(_vectors[column]) : DuckDbTypeSizes.FixedWidth(_types[column]);
        }
        RefreshData();
    }

    /// <summary>A chunk DuckDB owns and lends to a callback (a table function's output): types come from its vectors, and it is not freed here.</summary>
    internal static DuckDbDataChunk Borrow(nint chunk)
    {
        var handle = DataChunkHandle.Borrowed(chunk);
        var types = new DuckDbType[checked((int)NativeMethods.duckdb_data_chunk_get_column_count(handle))];
        for (var column = 0; column < types.Length; column++)
        {
            var logical = NativeMethods.duckdb_vector_get_column_type(NativeMethods.duckdb_data_chunk_get_vector(handle, (ulong)column));
            types[column] = NativeMethods.duckdb_get_type_id(logical);
            NativeMethods.duckdb_destroy_logical_type(ref logical);
        }
        return new DuckDbDataChunk(handle, types);
    }

    // an ENUM vector holds member indexes as UTINYINT, USMALLINT or UINTEGER, depending on the member count
    private static int EnumWidth(nint vector)
    {
        var logical = NativeMethods.duckdb_vector_get_column_type(vector);
        try
        {
            return DuckDbTypeSizes.FixedWidth(NativeMethods.duckdb_enum_internal_type(logical));
        }
        finally
        {
            NativeMethods.duckdb_destroy_logical_type(ref logical);
        }
    }

    private void RefreshData()
    {
        for (var column = 0; column < _vectors.Length; column++)
            _data[column] = (nint)NativeMethods.duckdb_vector_get_data(_vectors[column]);
    }

    public int ColumnCount => _types.Length;

    public IReadOnlyList<DuckDbType> ColumnTypes => _types;

    /// <summary>Rows a chunk can hold.</summary>
    public static int Capacity => DuckDbDatabase.VectorSize;

    /// <summary>Rows in the chunk; set it after filling the vectors of a chunk you append.</summary>
    public int RowCount
    {
        get => checked((int)NativeMethods.duckdb_data_chunk_get_size(_handle));
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Capacity);
            NativeMethods.duckdb_data_chunk_set_size(_handle, (ulong)value);
        }
    }

    /// <summary>
    /// The column's values as a span over the vector (length <see cref="Capacity"/>); read or write them in place. An ENUM
    /// column holds member indexes: byte, ushort or uint by member count (up to 255, 65,535, more).
    /// </summary>
    public Span<T> GetValues<T>(int column) where T : unmanaged
    {
        var type = TypeOf(column);
        var width = _widths[column];
        if (width != sizeof(T))
            throw new InvalidOperationException($"column {column} is {type} ({(width == 0 ? "not fixed-width" : width + " bytes per value")}); {typeof(T).Name} values are {sizeof(T)} bytes");
        return new Span<T>((void*)_data[column], Capacity);
    }

    /// <summary>False when the value at (column, row) is NULL.</summary>
    public bool IsValid(int column, int row)
    {
        var validity = NativeMethods.duckdb_vector_get_validity(Vector(column));
        return validity == null || (validity[row >> 6] & (1UL << (row & 63))) != 0;
    }

    /// <summary>Marks (column, row) as NULL.</summary>
    public void SetNull(int column, int row)
    {
        var vector = Vector(column);
        NativeMethods.duckdb_vector_ensure_validity_writable(vector);
        NativeMethods.duckdb_validity_set_row_invalid(NativeMethods.duckdb_vector_get_validity(vector), (ulong)row);
    }

    /// <summary>The UTF-8 bytes of a VARCHAR/BLOB value (valid while the chunk lives).</summary>
    public ReadOnlySpan<byte> GetUtf8(int column, int row)
    {
        RequireString(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Capacity, nameof(row));
        var slot = (byte*)_data[column] + (nint)row * 16;
        var length = Unsafe.ReadUnaligned<uint>(slot);
        // duckdb_string_t: length, then up to 12 inlined bytes, or a 4-byte prefix and a pointer to the bytes.
        return length <= 12
            ? new ReadOnlySpan<byte>(slot + 4, (int)length)
            : new ReadOnlySpan<byte>(*(byte**)(slot + 8), checked((int)length));
    }

    public string GetString(int column, int row) => Encoding.UTF8.GetString(GetUtf8(column, row));

    /// <summary>
    /// Writes a VARCHAR/BLOB value. Values of up to 12 bytes are written inline into the duckdb_string_t slot (the
    /// layout duckdb.h documents, zero-padded as DuckDB's own string_t is); longer ones are copied by DuckDB into the
    /// chunk's string heap.
    /// </summary>
    public void SetString(int column, int row, ReadOnlySpan<byte> utf8)
    {
        RequireString(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Capacity, nameof(row));
        if (utf8.Length <= 12)
        {
            var slot = new Span<byte>((byte*)_data[column] + (nint)row * 16, 16);
            slot.Clear();
            Unsafe.WriteUnaligned(ref slot[0], (uint)utf8.Length);
            utf8.CopyTo(slot[4..]);
            return;
        }
        fixed (byte* bytes = utf8)
            NativeMethods.duckdb_vector_assign_string_element_len(_vectors[column], (ulong)row, bytes, (ulong)utf8.Length);
    }

    public void SetString(int column, int row, string value)
    {
        // short values (ids, codes) are encoded straight into the slot
        if (value.Length <= 12)
        {
            RequireString(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Capacity, nameof(row));
            var slot = new Span<byte>((byte*)_data[column] + (nint)row * 16, 16);
            slot.Clear();
            if (Encoding.UTF8.TryGetBytes(value, slot[4..], out var written))
            {
                Unsafe.WriteUnaligned(ref slot[0], (uint)written);
                return;
            }
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 512)
        {
            Span<byte> buffer = stackalloc byte[max];
            SetString(column, row, buffer[..Encoding.UTF8.GetBytes(value, buffer)]);
        }
        else
        {
            SetString(column, row, Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>
    /// One value as a .NET object: bool, sbyte..ulong, Int128/UInt128, float, double, string (VARCHAR), byte[] (BLOB),
    /// DateOnly (DATE), DateTime in UTC (TIMESTAMP variants), TimeSpan (TIME), Guid (UUID), or null.
    /// Other types (DECIMAL, LIST, STRUCT...) throw: cast them in SQL.
    /// </summary>
    public object? GetValue(int column, int row)
    {
        if (!IsValid(column, row)) return null;
        var type = TypeOf(column);
        var data = (byte*)NativeMethods.duckdb_vector_get_data(_vectors[column]);
        return type switch
        {
            DuckDbType.Boolean => data[row] != 0,
            DuckDbType.TinyInt => ((sbyte*)data)[row],
            DuckDbType.SmallInt => ((short*)data)[row],
            DuckDbType.Integer => ((int*)data)[row],
            DuckDbType.BigInt => ((long*)data)[row],
            DuckDbType.UTinyInt => data[row],
            DuckDbType.USmallInt => ((ushort*)data)[row],
            DuckDbType.UInteger => ((uint*)data)[row],
            DuckDbType.UBigInt => ((ulong*)data)[row],
            DuckDbType.HugeInt => new Int128((ulong)((long*)data)[row * 2 + 1], ((ulong*)data)[row * 2]),
            DuckDbType.UHugeInt => new UInt128(((ulong*)data)[row * 2 + 1], ((ulong*)data)[row * 2]),
            DuckDbType.Float => ((float*)data)[row],
            DuckDbType.Double => ((double*)data)[row],
            DuckDbType.Varchar => GetString(column, row),
            DuckDbType.Blob => GetUtf8(column, row).ToArray(),
            DuckDbType.Date => DateOnly.FromDayNumber(UnixEpochDay + ((int*)data)[row]),
            DuckDbType.Timestamp or DuckDbType.TimestampTz => FromUnix(((long*)data)[row] * 10),
            DuckDbType.TimestampMs => FromUnix(((long*)data)[row] * 10_000),
            DuckDbType.TimestampS => FromUnix(((long*)data)[row] * 10_000_000),
            DuckDbType.TimestampNs => FromUnix(((long*)data)[row] / 100),
            DuckDbType.Time => TimeSpan.FromTicks(((long*)data)[row] * 10),
            _ => throw new NotSupportedException($"column {column} has type {type}, which this binding does not convert; CAST it in SQL (for example to DOUBLE or VARCHAR)"),
        };
    }

    /// <summary>Empties the chunk for refilling (size 0, string heap released).</summary>
    public void Reset()
    {
        NativeMethods.duckdb_data_chunk_reset(_handle);
        RefreshData();
    }

    internal DataChunkHandle Handle => _handle;

    private static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static DateTime FromUnix(long ticksSinceEpoch) => new(DateTime.UnixEpoch.Ticks + ticksSinceEpoch, DateTimeKind.Utc);

    private DuckDbType TypeOf(int column)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if ((uint)column >= (uint)_types.Length)
            throw new ArgumentOutOfRangeException(nameof(column), column, $"the chunk has {_types.Length} columns");
        return _types[column];
    }

    private nint Vector(int column)
    {
        TypeOf(column);
        return _vectors[column];
    }

    private void RequireString(int column)
    {
        var type = TypeOf(column);
        if (!DuckDbTypeSizes.IsString(type)) throw new InvalidOperationException($"column {column} is {type}, not VARCHAR or BLOB");
    }

    public void Dispose() => _handle.Dispose();
}
