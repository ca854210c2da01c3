using System.Runtime.InteropServices;

namespace DuckDb;

/// <summary>
/// Base for the binding's handles: owns one DuckDB object and, optionally, a reference on the handle it was created
/// from (a connection keeps its database alive, an appender its connection), so finalization order cannot free a
/// parent first.
/// </summary>
internal abstract class DuckDbHandle : SafeHandle
{
    private SafeHandle? _parent;

    protected DuckDbHandle(bool ownsHandle = true) : base(0, ownsHandle) { }

    public override bool IsInvalid => handle == 0;

    public void Attach(nint value, SafeHandle? parent)
    {
        if (parent is not null)
        {
            var added = false;
            parent.DangerousAddRef(ref added);
            _parent = parent;
        }
        SetHandle(value);
    }

    protected override bool ReleaseHandle()
    {
        Release(handle);
        _parent?.DangerousRelease();
        _parent = null;
        return true;
    }

    protected abstract void Release(nint value);
}

internal sealed class DatabaseHandle : DuckDbHandle
{
    protected override void Release(nint value) => NativeMethods.duckdb_close(ref value);
}

internal sealed class ConnectionHandle : DuckDbHandle
{
    protected override void Release(nint value) => NativeMethods.duckdb_disconnect(ref value);
}

internal sealed class AppenderHandle : DuckDbHandle
{
    // duckdb_appender_destroy flushes what is left; a failure there can only be reported by an explicit Close.
    protected override void Release(nint value) => NativeMethods.duckdb_appender_destroy(ref value);
}

internal sealed class DataChunkHandle(bool ownsHandle = true) : DuckDbHandle(ownsHandle)
{
    /// <summary>A chunk DuckDB owns (a table function's output): wrapped for the call, never destroyed by us.</summary>
    public static DataChunkHandle Borrowed(nint chunk)
    {
        var handle = new DataChunkHandle(ownsHandle: false);
        handle.Attach(chunk, parent: null);
        return handle;
    }

    protected override void Release(nint value) => NativeMethods.duckdb_destroy_data_chunk(ref value);
}

/// <summary>A duckdb_result lives in caller-owned memory: this handle owns that block and the result inside it.</summary>
internal sealed unsafe class ResultHandle : DuckDbHandle
{
    public static ResultHandle Allocate(ConnectionHandle connection)
    {
        var result = new ResultHandle();
        var block = NativeMemory.AllocZeroed((nuint)sizeof(DuckDbResultStruct));
        result.Attach((nint)block, connection);
        return result;
    }

    public DuckDbResultStruct* Pointer => (DuckDbResultStruct*)handle;

    protected override void Release(nint value)
    {
        NativeMethods.duckdb_destroy_result((DuckDbResultStruct*)value);
        NativeMemory.Free((void*)value);
    }
}
