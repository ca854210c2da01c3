using System.Diagnostics;
using System.Reflection;
using TestSupport;

namespace Web.Tests;

/// <summary>`pipeline trades import` against the running Web app: the CLI's batch path into a live system.</summary>
[Collection(WebAppCollection.Name)]
public sealed class CliImportTests(WebAppFixture app) : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("cli-import-").FullName;

    [Fact]
    public async Task The_cli_imports_a_csv_into_the_running_system_and_a_second_import_adds_nothing()
    {
        var csv = Path.Combine(_directory, "day.csv");
        File.WriteAllText(csv, string.Join("\n",
            "# Intraday Continuous trades",
            "TradeId,RemoteTradeId,Side,Product,DeliveryStart,DeliveryEnd,ExecutionTime,DeliveryArea,TradePhase,UserDefinedBlock,SelfTrade,Price,Currency,Volume,VolumeUnit,OrderID",
            "7300001,1,SELL,XBID_Hour_Power,2023-04-01T10:00:00Z,2023-04-01T11:00:00Z,2023-03-31T16:05:06.392Z,BE,CONT,N,U,42.5,EUR,5,MWH,1",
            "7300001,1,BUY,XBID_Hour_Power,2023-04-01T10:00:00Z,2023-04-01T11:00:00Z,2023-03-31T16:05:06.392Z,BE,CONT,N,U,42.5,EUR,5,MWH,2",
            "7300002,2,SELL,XBID_Hour_Power,2023-04-01T10:00:00Z,2023-04-01T11:00:00Z,2023-03-31T16:06:00Z,BE,CONT,N,U,41,EUR,0,MWH,3",
            ""));

        var first = Pipeline(app.OperatorPassword, "trades", "import", csv, "--user", WebAppFixture.OperatorName, "--url", app.Url.ToString());
        var second = Pipeline(app.OperatorPassword, "trades", "import", csv, "--user", WebAppFixture.OperatorName, "--url", app.Url.ToString());
        var wrong = Pipeline("not-the-password", "trades", "import", csv, "--user", WebAppFixture.OperatorName, "--url", app.Url.ToString());

        Assert.True(first.Code == 0, first.Error);
        Assert.Equal($"{csv}: 3 records received, 2 new trade legs, 0 already stored, 1 quarantined (see /trades/quarantine)", first.Output.Trim());
        Assert.Equal($"{csv}: 3 records received, 0 new trade legs, 2 already stored, 1 quarantined (see /trades/quarantine)", second.Output.Trim());
        Assert.Equal(1, wrong.Code);
        Assert.StartsWith($"error: {app.Url} answered 401", wrong.Error.Trim());
        await using var legs = app.DataSource.CreateCommand("SELECT count(*) FROM pipeline.trades WHERE trade_id IN (7300001, 7300002)");
        Assert.Equal(2L, await legs.ExecuteScalarAsync());
        await using var reason = app.DataSource.CreateCommand("SELECT reason FROM pipeline.trade_quarantine WHERE location = 'day.csv:5' LIMIT 1");
        Assert.Contains("Volume", (string)(await reason.ExecuteScalarAsync())!);
    }

    static (int Code, string Output, string Error) Pipeline(string password, params string[] args)
    {
        var configuration = typeof(CliImportTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var executable = Path.Combine(ServiceProcess.RepositoryRoot, "Cli", "bin", configuration, "net10.0", "pipeline");
        var start = new ProcessStartInfo(executable, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PIPELINE_OPERATOR_PASSWORD"] = password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
