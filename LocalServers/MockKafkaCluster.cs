using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LocalServers;

/// <summary>
/// librdkafka's built-in mock cluster: a real Kafka-protocol broker held in memory by this process, inside the same
/// librdkafka file the Kafka client uses (<see cref="Librdkafka"/>). Its brokers listen on random ports, so an optional TCP forwarder gives clients a fixed
/// bootstrap address; metadata then points them at the brokers themselves.
/// Limits (docs/architecture.md): in memory only, ~5 MiB retained per partition, no admin CreateTopics.
/// </summary>
public sealed partial class MockKafkaCluster : IDisposable
{
    const string Library = Librdkafka.Name;
    readonly IntPtr _handle;
    readonly IntPtr _cluster;
    readonly TcpListener? _forwarder;
    readonly CancellationTokenSource _stopping = new();

    /// <summary>Comma-separated bootstrap servers clients should use.</summary>
    public string BootstrapServers { get; }

    public MockKafkaCluster(int brokers = 1, int bootstrapPort = -1)
    {
        EnsureLibrary();
        var error = new byte[512];
        var conf = rd_kafka_conf_new();
        // The hosting handle never connects anywhere; silence its "no bootstrap.servers" notice.
        rd_kafka_conf_set(conf, "log_level", "3", error, (nuint)error.Length);
        _handle = rd_kafka_new(0 /* RD_KAFKA_PRODUCER */, conf, error, (nuint)error.Length);
        if (_handle == IntPtr.Zero) throw new InvalidOperationException("rd_kafka_new failed: " + System.Text.Encoding.UTF8.GetString(error).TrimEnd('\0'));
        _cluster = rd_kafka_mock_cluster_new(_handle, brokers);
        if (_cluster == IntPtr.Zero) throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        var brokerList = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster))!;
        if (bootstrapPort < 0)
        {
            BootstrapServers = brokerList;
            return;
        }
        var first = brokerList.Split(',')[0];
        var target = new IPEndPoint(IPAddress.Loopback, int.Parse(first[(first.LastIndexOf(':') + 1)..]));
        _forwarder = new TcpListener(IPAddress.Loopback, bootstrapPort);
        _forwarder.Start();
        BootstrapServers = $"127.0.0.1:{((IPEndPoint)_forwarder.LocalEndpoint).Port}";
        _ = ForwardAsync(_forwarder, target, _stopping.Token);
    }

    public void CreateTopic(string name, int partitions)
    {
        var rc = rd_kafka_mock_topic_create(_cluster, name, partitions, 1);
        if (rc != 0) throw new InvalidOperationException($"creating mock topic {name} with {partitions} partitions failed: error {rc}");
    }

    /// <summary>Loads librdkafka as the Kafka client does; throws a one-line reason when it cannot.</summary>
    public static void EnsureLibrary() => Librdkafka.EnsureLoaded();

    static async Task ForwardAsync(TcpListener listener, IPEndPoint target, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(ct); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = PipeAsync(client, target, ct);
        }
    }

    static async Task PipeAsync(TcpClient client, IPEndPoint target, CancellationToken ct)
    {
        using var downstream = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(target, ct);
            var a = downstream.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, ct), b.CopyToAsync(a, ct));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // A client hanging up mid-stream is normal; the connection is simply closed.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _forwarder?.Stop();
        rd_kafka_mock_cluster_destroy(_cluster);
        rd_kafka_destroy(_handle);
    }

    [LibraryImport(Library)] private static partial IntPtr rd_kafka_conf_new();
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, [Out] byte[] errstr, nuint errstrSize);
    [LibraryImport(Library)] private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] errstr, nuint errstrSize);
    [LibraryImport(Library)] private static partial void rd_kafka_destroy(IntPtr rk);
    [LibraryImport(Library)] private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);
    [LibraryImport(Library)] private static partial void rd_kafka_mock_cluster_destroy(IntPtr mc);
    [LibraryImport(Library)] private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mc);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial int rd_kafka_mock_topic_create(IntPtr mc, string topic, int partitions, int replicationFactor);
}
