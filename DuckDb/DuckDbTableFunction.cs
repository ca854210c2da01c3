using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DuckDb;

/// <summary>A column a table function returns. An ENUM column lists its members: its values are indexes into them.</summary>
public sealed record DuckDbColumn(string Name, DuckDbType Type)
{
    public IReadOnlyList<string> Members { get; init; } = [];

    public static DuckDbColumn Enum(string name, IReadOnlyList<string> members) => new(name, DuckDbType.Enum) { Members = members };
}

/// <summary>The rows of one call of a table function registered with <see cref="DuckDbConnection.RegisterTableFunction"/>.</summary>
public interface IDuckDbRowSource
{
    IReadOnlyList<DuckDbColumn> Columns { get; }

    /// <summary>
    /// Writes the next rows into the chunk's vectors (at most <see cref="DuckDbDataChunk.Capacity"/>) and returns how many;
    /// 0 ends the rows. The scan is not parallel: one call at a time.
    /// </summary>
    int Fill(DuckDbDataChunk chunk);
}

/// <summary>
/// A table function with one BIGINT argument whose rows come from .NET: bind calls the registered factory with the
/// argument and adds the source's columns, each call of the function fills DuckDB's output chunk in place. Exceptions
/// become the query's error (the callbacks must not throw into native code).
/// </summary>
internal static unsafe class DuckDbTableFunction
{
    public static void Register(ConnectionHandle connection, string name, Func<long, IDuckDbRowSource> bind)
    {
        var function = NativeMethods.duckdb_create_table_function();
        try
        {
            NativeMethods.duckdb_table_function_set_name(function, name);
            var argument = NativeMethods.duckdb_create_logical_type(DuckDbType.BigInt);
            NativeMethods.duckdb_table_function_add_parameter(function, argument);
            NativeMethods.duckdb_destroy_logical_type(ref argument);
            // DuckDB owns the factory's handle from here on and frees it with the function (when the database closes)
            NativeMethods.duckdb_table_function_set_extra_info(function, GCHandle.ToIntPtr(GCHandle.Alloc(bind)), (nint)(delegate* unmanaged[Cdecl]<nint, void>)&Free);
            NativeMethods.duckdb_table_function_set_bind(function, (nint)(delegate* unmanaged[Cdecl]<nint, void>)&Bind);
            NativeMethods.duckdb_table_function_set_init(function, (nint)(delegate* unmanaged[Cdecl]<nint, void>)&Init);
            NativeMethods.duckdb_table_function_set_function(function, (nint)(delegate* unmanaged[Cdecl]<nint, nint, void>)&Produce);
            if (NativeMethods.duckdb_register_table_function(connection, function) != DuckDbState.Success)
                throw new DuckDbException($"cannot register table function '{name}'");
        }
        finally
        {
            NativeMethods.duckdb_destroy_table_function(ref function);
        }
    }

    /// <summary>A logical type for a column (the caller destroys it).</summary>
    public static nint CreateLogicalType(DuckDbColumn column)
    {
        if (column.Type != DuckDbType.Enum)
        {
            if (DuckDbTypeSizes.FixedWidth(column.Type) == 0 && !DuckDbTypeSizes.IsString(column.Type))
                throw new NotSupportedException($"column '{column.Name}': type {column.Type} is not supported here");
            return NativeMethods.duckdb_create_logical_type(column.Type);
        }
        var members = new nint[column.Members.Count];
        try
        {
            for (var i = 0; i < members.Length; i++) members[i] = Marshal.StringToCoTaskMemUTF8(column.Members[i]);
            fixed (nint* names = members) return NativeMethods.duckdb_create_enum_type((byte**)names, (ulong)members.Length);
        }
        finally
        {
            foreach (var member in members) Marshal.FreeCoTaskMem(member);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Bind(nint info)
    {
        try
        {
            var factory = (Func<long, IDuckDbRowSource>)GCHandle.FromIntPtr(NativeMethods.duckdb_bind_get_extra_info(info)).Target!;
            var value = NativeMethods.duckdb_bind_get_parameter(info, 0);
            long argument;
            try
            {
                argument = NativeMethods.duckdb_get_int64(value);
            }
            finally
            {
                NativeMethods.duckdb_destroy_value(ref value);
            }
            var source = factory(argument);
            foreach (var column in source.Columns)
            {
                var type = CreateLogicalType(column);
                NativeMethods.duckdb_bind_add_result_column(info, column.Name, type);
                NativeMethods.duckdb_destroy_logical_type(ref type);
            }
            NativeMethods.duckdb_bind_set_bind_data(info, GCHandle.ToIntPtr(GCHandle.Alloc(source)), (nint)(delegate* unmanaged[Cdecl]<nint, void>)&Free);
        }
        catch (Exception error)
        {
            NativeMethods.duckdb_bind_set_error(info, error.Message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Init(nint info) => NativeMethods.duckdb_init_set_max_threads(info, 1);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Produce(nint info, nint output)
    {
        try
        {
            var source = (IDuckDbRowSource)GCHandle.FromIntPtr(NativeMethods.duckdb_function_get_bind_data(info)).Target!;
            using var chunk = DuckDbDataChunk.Borrow(output);
            chunk.RowCount = source.Fill(chunk);
        }
        catch (Exception error)
        {
            NativeMethods.duckdb_function_set_error(info, error.Message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Free(nint handle) => GCHandle.FromIntPtr(handle).Free();
}
