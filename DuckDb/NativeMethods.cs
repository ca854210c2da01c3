using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace DuckDb;

/// <summary>duckdb_state: every fallible C API call returns one.</summary>
internal enum DuckDbState
{
    Success = 0,
    Error = 1,
}

/// <summary>duckdb_result from duckdb.h (1.x): three idx_t and three pointers, all deprecated fields but the layout is ABI.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbResultStruct
{
    public ulong ColumnCount;
    public ulong RowCount;
    public ulong RowsChanged;
    public nint Columns;
    public nint ErrorMessage;
    public nint InternalData;
}

/// <summary>
/// The C functions this binding uses, one declaration each, in the order of duckdb.h. Ownership stays with the
/// SafeHandles in Handles.cs; nothing here is called from outside the binding.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Library = "duckdb"; // libduckdb.so next to the application, copied there by build/DuckDb.props

    // database and connection
    [LibraryImport(Library)] public static partial nint duckdb_library_version();
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial DuckDbState duckdb_open_ext(string? path, out nint database, nint config, out nint error);
    [LibraryImport(Library)] public static partial void duckdb_close(ref nint database);
    [LibraryImport(Library)] public static partial DuckDbState duckdb_connect(DatabaseHandle database, out nint connection);
    [LibraryImport(Library)] public static partial void duckdb_disconnect(ref nint connection);
    [LibraryImport(Library)] public static partial void duckdb_free(nint pointer);
    [LibraryImport(Library)] public static partial ulong duckdb_vector_size();

    // query results
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial DuckDbState duckdb_query(ConnectionHandle connection, string sql, DuckDbResultStruct* result);
    [LibraryImport(Library)] public static partial void duckdb_destroy_result(DuckDbResultStruct* result);
    [LibraryImport(Library)] public static partial nint duckdb_result_error(DuckDbResultStruct* result);
    [LibraryImport(Library)] public static partial ulong duckdb_column_count(DuckDbResultStruct* result);
    [LibraryImport(Library)] public static partial nint duckdb_column_name(DuckDbResultStruct* result, ulong column);
    [LibraryImport(Library)] public static partial DuckDbType duckdb_column_type(DuckDbResultStruct* result, ulong column);
    [LibraryImport(Library)] public static partial ulong duckdb_rows_changed(DuckDbResultStruct* result);
    [LibraryImport(Library)] public static partial nint duckdb_fetch_chunk(DuckDbResultStruct result);

    // logical types
    [LibraryImport(Library)] public static partial nint duckdb_create_logical_type(DuckDbType type);
    [LibraryImport(Library)] public static partial DuckDbType duckdb_get_type_id(nint logicalType);
    [LibraryImport(Library)] public static partial void duckdb_destroy_logical_type(ref nint logicalType);
    [LibraryImport(Library)] public static partial nint duckdb_create_enum_type(byte** memberNames, ulong memberCount);
    [LibraryImport(Library)] public static partial DuckDbType duckdb_enum_internal_type(nint logicalType);

    // values
    [LibraryImport(Library)] public static partial void duckdb_destroy_value(ref nint value);
    [LibraryImport(Library)] public static partial long duckdb_get_int64(nint value);

    // data chunks and vectors
    [LibraryImport(Library)] public static partial nint duckdb_create_data_chunk(nint* types, ulong columnCount);
    [LibraryImport(Library)] public static partial void duckdb_destroy_data_chunk(ref nint chunk);
    [LibraryImport(Library)] public static partial void duckdb_data_chunk_reset(DataChunkHandle chunk);
    [LibraryImport(Library)] public static partial ulong duckdb_data_chunk_get_column_count(DataChunkHandle chunk);
    [LibraryImport(Library)] public static partial nint duckdb_data_chunk_get_vector(DataChunkHandle chunk, ulong column);
    [LibraryImport(Library)] public static partial ulong duckdb_data_chunk_get_size(DataChunkHandle chunk);
    [LibraryImport(Library)] public static partial void duckdb_data_chunk_set_size(DataChunkHandle chunk, ulong size);
    [LibraryImport(Library)] public static partial nint duckdb_vector_get_column_type(nint vector);
    [LibraryImport(Library)] public static partial void* duckdb_vector_get_data(nint vector);
    [LibraryImport(Library)] public static partial ulong* duckdb_vector_get_validity(nint vector);
    [LibraryImport(Library)] public static partial void duckdb_vector_ensure_validity_writable(nint vector);
    [LibraryImport(Library)] public static partial void duckdb_vector_assign_string_element_len(nint vector, ulong index, byte* value, ulong length);
    [LibraryImport(Library)] public static partial void duckdb_validity_set_row_invalid(ulong* validity, ulong row);

    // table functions; callbacks are [UnmanagedCallersOnly] function pointers, see DuckDbTableFunction
    [LibraryImport(Library)] public static partial nint duckdb_create_table_function();
    [LibraryImport(Library)] public static partial void duckdb_destroy_table_function(ref nint tableFunction);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void duckdb_table_function_set_name(nint tableFunction, string name);
    [LibraryImport(Library)] public static partial void duckdb_table_function_add_parameter(nint tableFunction, nint logicalType);
    [LibraryImport(Library)] public static partial void duckdb_table_function_set_extra_info(nint tableFunction, nint extraInfo, nint destroy);
    [LibraryImport(Library)] public static partial void duckdb_table_function_set_bind(nint tableFunction, nint bind);
    [LibraryImport(Library)] public static partial void duckdb_table_function_set_init(nint tableFunction, nint init);
    [LibraryImport(Library)] public static partial void duckdb_table_function_set_function(nint tableFunction, nint function);
    [LibraryImport(Library)] public static partial DuckDbState duckdb_register_table_function(ConnectionHandle connection, nint tableFunction);
    [LibraryImport(Library)] public static partial nint duckdb_bind_get_extra_info(nint info);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void duckdb_bind_add_result_column(nint info, string name, nint logicalType);
    [LibraryImport(Library)] public static partial nint duckdb_bind_get_parameter(nint info, ulong index);
    [LibraryImport(Library)] public static partial void duckdb_bind_set_bind_data(nint info, nint bindData, nint destroy);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void duckdb_bind_set_error(nint info, string error);
    [LibraryImport(Library)] public static partial void duckdb_init_set_max_threads(nint info, ulong maxThreads);
    [LibraryImport(Library)] public static partial nint duckdb_function_get_bind_data(nint info);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void duckdb_function_set_error(nint info, string error);

    // appender
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial DuckDbState duckdb_appender_create(ConnectionHandle connection, string? schema, string table, out nint appender);
    [LibraryImport(Library)] public static partial ulong duckdb_appender_column_count(AppenderHandle appender);
    [LibraryImport(Library)] public static partial nint duckdb_appender_column_type(AppenderHandle appender, ulong column);
    [LibraryImport(Library)] public static partial nint duckdb_appender_error(AppenderHandle appender);
    [LibraryImport(Library)] public static partial DuckDbState duckdb_append_data_chunk(AppenderHandle appender, DataChunkHandle chunk);
    [LibraryImport(Library)] public static partial DuckDbState duckdb_appender_flush(AppenderHandle appender);
    [LibraryImport(Library)] public static partial DuckDbState duckdb_appender_close(AppenderHandle appender);
    [LibraryImport(Library)] public static partial DuckDbState duckdb_appender_destroy(ref nint appender);

    public static string? Utf8(nint pointer) => pointer == 0 ? null : Marshal.PtrToStringUTF8(pointer);
}
