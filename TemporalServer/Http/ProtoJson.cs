using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace TemporalServer.Http;

/// <summary>
/// Proto3 JSON as grpc-gateway writes it (lowerCamelCase names, int64 as strings, enum value names, RFC 3339
/// times, durations like "10s", base64 bytes), with every Temporal message registered so Any details format.
/// </summary>
static class ProtoJson
{
    public static TypeRegistry Registry { get; } = TypeRegistry.FromFiles(TemporalFiles().ToArray());

    public static JsonFormatter Formatter { get; } = new(JsonFormatter.Settings.Default.WithTypeRegistry(Registry));

    public static JsonParser Parser { get; } = new(JsonParser.Settings.Default.WithTypeRegistry(Registry).WithIgnoreUnknownFields(true));

    /// <summary>Each generated <c>*Reflection.Descriptor</c> in Temporalio.dll, the file descriptors of its protos.</summary>
    static IEnumerable<FileDescriptor> TemporalFiles() =>
        typeof(Temporalio.Api.Common.V1.Payload).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>();
}
