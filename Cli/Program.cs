using System.CommandLine;
using Cli.Trades;

// `pipeline <area> <verb>`: one command group per data source. Exit codes: 0 ok, 1 failed, 2 bad arguments.
var root = new RootCommand("Energy Pipeline command line");
root.Subcommands.Add(TradesCommands.Create());
return await root.Parse(args).InvokeAsync();
