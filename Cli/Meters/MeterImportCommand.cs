using System.CommandLine;
using Meters.Capture;
using Meters.Storage;
using Npgsql;

namespace Cli.Meters;

/// <summary>
/// `pipeline meters import &lt;file&gt;`: a capture (Spark Kafka Parquet, or JSON lines) into <c>meters.raw_records</c>
/// with its records' own positions, so importing it twice, or importing what Workers already consumed, adds nothing.
/// The meter workflow processes imported records like consumed ones.
/// </summary>
internal static class MeterImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Spark Kafka Parquet capture, or JSON lines (kcat, plain or -J)" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: ConnectionStrings__postgres)" };
        var topic = new Option<string?>("--topic") { Description = "topic of plain JSON lines (default: the file name; Parquet and kcat -J keep their own)" };
        var command = new Command("import", "store a capture's records in the raw table, once per (topic, partition, offset)") { file, postgres, topic };
        command.SetAction(async (parsed, ct) =>
        {
            var path = parsed.GetValue(file)!;
            if (!File.Exists(path)) return MetersCommands.Fail(MetersCommands.BadArguments, $"{path}: no such file");
            var connection = parsed.GetValue(postgres) ?? Environment.GetEnvironmentVariable("ConnectionStrings__postgres");
            if (connection is null) return MetersCommands.Fail(MetersCommands.BadArguments, "no PostgreSQL: pass --postgres or set ConnectionStrings__postgres");
            try
            {
                var records = await MetersCommands.ReadCaptureAsync(path, ct, parsed.GetValue(topic));
                await using var dataSource = NpgsqlDataSource.Create(connection);
                await using var db = await dataSource.OpenConnectionAsync(ct);
                await using var tx = await db.BeginTransactionAsync(ct);
                var stored = await RawRecordStore.StoreAsync(db, tx, "import:" + Path.GetFileName(path), records, ct);
                await tx.CommitAsync(ct);
                Console.WriteLine($"{path}: {records.Count:N0} record(s), {stored:N0} new in meters.raw_records, {records.Count - stored:N0} already there");
                return MetersCommands.Ok;
            }
            catch (CaptureFormatException e)
            {
                return MetersCommands.Fail(MetersCommands.Failed, $"{path}: {e.Message}");
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                return MetersCommands.Fail(MetersCommands.Failed, "the meters schema does not exist in that database yet: Workers create it when they start");
            }
            catch (Exception e) when (e is NpgsqlException or ArgumentException or IOException)
            {
                return MetersCommands.Fail(MetersCommands.Failed, e.Message);
            }
        });
        return command;
    }
}
