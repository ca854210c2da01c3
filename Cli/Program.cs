using System.CommandLine;
using Cli.Grid;
using Cli.Meters;
using Cli.Prices;
using Cli.Trades;

// `pipeline <area> <verb>`: one command group per data source. Exit codes: 0 ok, 1 failed, 2 bad arguments.
var root = new RootCommand("Energy Pipeline command line");
root.Subcommands.Add(TradesCommands.Create());
root.Subcommands.Add(MetersCommands.Create());
root.Subcommands.Add(PricesCommands.Create());
root.Subcommands.Add(GridCommands.Create());
return await root.Parse(args).InvokeAsync();
