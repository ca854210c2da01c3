using DuckDb;

namespace DuckDb.Tests;

public sealed class DuckDbBindingTests : IDisposable
{
    private readonly DuckDbConnection _connection = DuckDbConnection.OpenInMemory();

    public void Dispose() => _connection.Dispose();

    [Fact]
    public void The_pinned_library_version_is_loaded()
    {
        Assert.Equal("v1.5.6", DuckDbDatabase.LibraryVersion);
        Assert.Equal(2048, DuckDbDatabase.VectorSize);
    }

    [Fact]
    public void A_query_returns_rows_converted_to_dotnet_types()
    {
        var rows = _connection.QueryRows("""
            SELECT 42::INTEGER, 7::BIGINT, 1.5::DOUBLE, 'short', 'a string longer than twelve bytes', NULL::VARCHAR,
                   DATE '2023-01-01', TIMESTAMP '2023-01-01 10:00:00.123', true, SUM(x)
            FROM (VALUES (1), (2)) t(x)
            """);

        var row = Assert.Single(rows);
        Assert.Equal(42, row[0]);
        Assert.Equal(7L, row[1]);
        Assert.Equal(1.5, row[2]);
        Assert.Equal("short", row[3]);
        Assert.Equal("a string longer than twelve bytes", row[4]);
        Assert.Null(row[5]);
        Assert.Equal(new DateOnly(2023, 1, 1), row[6]);
        Assert.Equal(new DateTime(2023, 1, 1, 10, 0, 0, 123, DateTimeKind.Utc), row[7]);
        Assert.Equal(true, row[8]);
        Assert.Equal((Int128)3, row[9]);
    }

    [Fact]
    public void A_failing_statement_throws_with_the_error_and_the_sql()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.Execute("SELECT * FROM no_such_table"));

        Assert.Contains("no_such_table", error.Message);
        Assert.Contains("Catalog Error", error.Message);
        Assert.Equal("SELECT * FROM no_such_table", error.Sql);
    }

    [Fact]
    public void Execute_returns_the_rows_changed()
    {
        _connection.Execute("CREATE TABLE t (x INTEGER)");

        Assert.Equal(3, _connection.Execute("INSERT INTO t VALUES (1), (2), (3)"));
    }

    [Fact]
    public void Large_results_are_read_in_chunks_of_the_vector_size()
    {
        var sizes = new List<int>();
        long sum = 0;
        foreach (var chunk in _connection.ReadChunks("SELECT range AS x FROM range(5000)"))
        {
            sizes.Add(chunk.RowCount);
            foreach (var value in chunk.GetValues<long>(0)[..chunk.RowCount]) sum += value;
        }

        Assert.Equal(5000, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 1, 2048));
        Assert.Equal(4999L * 5000 / 2, sum);
    }

    [Fact]
    public void A_chunk_appender_writes_numbers_strings_and_nulls()
    {
        _connection.Execute("CREATE TABLE trades (id BIGINT, price DOUBLE, area VARCHAR, executed TIMESTAMP)");
        using (var appender = _connection.CreateAppender("trades"))
        using (var chunk = appender.CreateChunk())
        {
            const int total = 5000;
            for (var start = 0; start < total; start += DuckDbDataChunk.Capacity)
            {
                var count = Math.Min(DuckDbDataChunk.Capacity, total - start);
                var ids = chunk.GetValues<long>(0);
                var prices = chunk.GetValues<double>(1);
                var times = chunk.GetValues<long>(3);
                for (var i = 0; i < count; i++)
                {
                    var id = start + i;
                    ids[i] = id;
                    prices[i] = id * 0.5;
                    if (id % 10 == 0) chunk.SetNull(2, i);
                    else chunk.SetString(2, i, id % 2 == 0 ? "FR" : "a long area name over twelve bytes");
                    times[i] = id * 1_000_000L; // microseconds since the epoch
                }
                chunk.RowCount = count;
                appender.AppendChunk(chunk);
                chunk.Reset();
            }
            appender.Close();
        }

        var summary = Assert.Single(_connection.QueryRows(
            "SELECT count(*), sum(id), sum(price), count(area), count(*) FILTER (area = 'FR'), max(executed) FROM trades"));
        Assert.Equal(5000L, summary[0]);
        Assert.Equal((Int128)(4999L * 5000 / 2), summary[1]);
        Assert.Equal(4999.0 * 5000 / 4, summary[2]);
        Assert.Equal(4500L, summary[3]);
        Assert.Equal(2000L, summary[4]);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(4999), summary[5]);
    }

    [Fact]
    public void Inline_and_heap_strings_survive_chunk_reuse_and_compare_equal_in_sql()
    {
        // values up to 12 bytes are written into the slot directly, longer ones through DuckDB; a reused chunk must not
        // leak bytes of a longer earlier value into a shorter later one
        string[] values = ["", "A", "BUY", "123456789012", "1234567890123", "XBID_Quarter_Hour_Power", "é€"];
        _connection.Execute("CREATE TABLE s (i INTEGER, v VARCHAR)");
        using (var appender = _connection.CreateAppender("s"))
        using (var chunk = appender.CreateChunk())
        {
            for (var round = 0; round < 2; round++)
            {
                var order = round == 0 ? values.Reverse().ToArray() : values;
                for (var row = 0; row < order.Length; row++)
                {
                    chunk.GetValues<int>(0)[row] = round * 100 + row;
                    chunk.SetString(1, row, order[row]);
                }
                chunk.RowCount = order.Length;
                appender.AppendChunk(chunk);
                chunk.Reset();
            }
            appender.Close();
        }

        Assert.Equal(values, _connection.QueryRows("SELECT v FROM s WHERE i >= 100 ORDER BY i").Select(r => (string)r[0]!));
        Assert.Equal(values.Length, Convert.ToInt32(_connection.QueryScalar("SELECT count(*) FROM s a JOIN s b ON a.v = b.v AND a.i < 100 AND b.i >= 100")));
        Assert.Equal(values.Select(v => (long)System.Text.Encoding.UTF8.GetByteCount(v)).Order(), _connection.QueryRows("SELECT strlen(v) FROM s WHERE i >= 100").Select(r => (long)r[0]!).Order());
    }

    [Fact]
    public void An_appender_for_a_missing_table_fails_with_its_name()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.CreateAppender("missing"));

        Assert.Contains("'missing'", error.Message);
    }

    [Fact]
    public void Reading_a_column_with_the_wrong_width_is_refused()
    {
        foreach (var chunk in _connection.ReadChunks("SELECT 1::INTEGER, 'x'"))
        {
            Assert.Contains("Integer", Assert.Throws<InvalidOperationException>(() => chunk.GetValues<long>(0)).Message);
            Assert.Throws<InvalidOperationException>(() => chunk.GetValues<long>(1));
        }
    }

    [Fact]
    public void Parquet_written_by_copy_reads_back()
    {
        var path = Path.Combine(Path.GetTempPath(), $"duckdb-test-{Guid.NewGuid():N}.parquet");
        try
        {
            _connection.Execute($"COPY (SELECT range AS x FROM range(1000)) TO {DuckDbConnection.Literal(path)} (FORMAT parquet, COMPRESSION zstd)");

            Assert.Equal((Int128)499500, _connection.QueryScalar($"SELECT sum(x) FROM read_parquet({DuckDbConnection.Literal(path)})"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_connection_keeps_its_database_open_after_the_database_object_is_disposed()
    {
        var database = DuckDbDatabase.Open();
        using var connection = database.Connect();
        database.Dispose();

        Assert.Equal(1, connection.QueryScalar("SELECT 1::INTEGER"));
    }

    [Fact]
    public void Opening_an_unwritable_path_names_the_path()
    {
        var error = Assert.Throws<DuckDbException>(() => DuckDbDatabase.Open("/proc/no/such/dir/db.duckdb"));

        Assert.Contains("/proc/no/such/dir/db.duckdb", error.Message);
    }

    /// <summary>Rows 0..count-1: id, id as text, and an ENUM picking "even"/"odd" (member indexes as bytes).</summary>
    private sealed class NumberRows(long count, Exception? failAfterFirstChunk = null) : IDuckDbRowSource
    {
        private long _next;

        public IReadOnlyList<DuckDbColumn> Columns { get; } =
            [new("id", DuckDbType.BigInt), new("label", DuckDbType.Varchar), DuckDbColumn.Enum("parity", ["even", "odd"])];

        public int Fill(DuckDbDataChunk chunk)
        {
            if (_next > 0 && failAfterFirstChunk is not null) throw failAfterFirstChunk;
            var rows = (int)Math.Min(DuckDbDataChunk.Capacity, count - _next);
            var ids = chunk.GetValues<long>(0);
            var parity = chunk.GetValues<byte>(2);
            for (var row = 0; row < rows; row++, _next++)
            {
                ids[row] = _next;
                chunk.SetString(1, row, _next % 3 == 0 ? "a label longer than twelve bytes" : "short");
                parity[row] = (byte)(_next % 2);
            }
            return rows;
        }
    }

    [Fact]
    public void A_table_function_streams_rows_from_dotnet_into_a_query()
    {
        _connection.RegisterTableFunction("numbers", count => new NumberRows(count));

        var summary = Assert.Single(_connection.QueryRows(
            "SELECT count(*), sum(id), count(*) FILTER (parity = 'odd'), count(*) FILTER (label = 'short'), typeof(any_value(parity)) FROM numbers(5000)"));

        Assert.Equal(5000L, summary[0]);
        Assert.Equal((Int128)(4999L * 5000 / 2), summary[1]);
        Assert.Equal(2500L, summary[2]);
        Assert.Equal(5000L - 1667, summary[3]);
        Assert.Equal("ENUM('even', 'odd')", summary[4]);
        Assert.Empty(_connection.QueryRows("SELECT * FROM numbers(0)"));
    }

    [Fact]
    public void A_table_function_belongs_to_the_database_serves_every_connection_and_keeps_its_first_registration()
    {
        using var database = DuckDbDatabase.Open();
        using var first = database.Connect();
        using var second = database.Connect();
        first.RegisterTableFunction("numbers", count => new NumberRows(count));

        Assert.Equal(3L, second.QueryScalar("SELECT count(*) FROM numbers(3)"));
        second.RegisterTableFunction("numbers", count => new NumberRows(count * 2)); // ignored: the first registration stays
        Assert.Equal(3L, first.QueryScalar("SELECT count(*) FROM numbers(3)"));
    }

    [Fact]
    public void Enum_columns_are_written_to_parquet_as_plain_strings()
    {
        var path = Path.Combine(Path.GetTempPath(), $"duckdb-test-{Guid.NewGuid():N}.parquet");
        _connection.RegisterTableFunction("numbers", count => new NumberRows(count));
        try
        {
            _connection.Execute($"COPY (SELECT * FROM numbers(3000)) TO {DuckDbConnection.Literal(path)} (FORMAT parquet, COMPRESSION zstd)");

            var file = DuckDbConnection.Literal(path);
            Assert.Equal(["BYTE_ARRAY", "UTF8"], _connection.QueryRows($"SELECT type, converted_type FROM parquet_schema({file}) WHERE name = 'parity'").Single().Cast<string>());
            Assert.Equal("VARCHAR", _connection.QueryScalar($"SELECT typeof(parity) FROM read_parquet({file}) LIMIT 1"));
            Assert.Equal(["even", "odd"], _connection.QueryRows($"SELECT stats_min_value, stats_max_value FROM parquet_metadata({file}) WHERE path_in_schema = 'parity'").Single().Cast<string>());
            Assert.Equal(1500L, _connection.QueryScalar($"SELECT count(*) FROM read_parquet({file}) WHERE parity = 'odd' AND id % 2 = 1"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_exception_in_a_row_source_fails_the_query_with_its_message()
    {
        _connection.RegisterTableFunction("numbers", count => count < 0 ? throw new ArgumentOutOfRangeException(nameof(count), "no negative counts") : new NumberRows(count, new IOException("source broke")));

        Assert.Contains("source broke", Assert.Throws<DuckDbException>(() => _connection.QueryRows("SELECT sum(id) FROM numbers(10000)")).Message);
        Assert.Contains("no negative counts", Assert.Throws<DuckDbException>(() => _connection.QueryRows("SELECT * FROM numbers(-1)")).Message);
        Assert.Equal(1, _connection.QueryScalar("SELECT 1::INTEGER"));
    }
}
