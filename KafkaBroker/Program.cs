using LocalServers;

// kafka-broker --port <bootstrap port> [--topic <name>:<partitions>]...
// Holds a Kafka-protocol broker (librdkafka's mock cluster, in memory) with the given topics until SIGTERM or Ctrl+C.
var port = 0;
var topics = new List<(string Name, int Partitions)>();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port":
            port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            break;
        case "--topic" when args[i + 1].Split(':') is [var name, var partitions]:
            topics.Add((name, int.Parse(partitions, System.Globalization.CultureInfo.InvariantCulture)));
            break;
        default:
            Console.Error.WriteLine($"kafka-broker: unknown argument {args[i]} {args[i + 1]}; usage: --port <port> [--topic <name>:<partitions>]...");
            return 2;
    }
}

try
{
    using var cluster = new MockKafkaCluster(brokers: 1, bootstrapPort: port);
    foreach (var (name, partitions) in topics) cluster.CreateTopic(name, partitions);
    Console.WriteLine($"Kafka-protocol broker (librdkafka mock cluster, in memory) at {cluster.BootstrapServers}; topics: {string.Join(", ", topics.Select(t => $"{t.Name}[{t.Partitions}]"))}");

    using var stopping = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
    {
        signal.Cancel = true;
        stopping.Cancel();
    });
    await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    Console.WriteLine("stopping");
    return 0;
}
catch (MissingPrerequisiteException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
