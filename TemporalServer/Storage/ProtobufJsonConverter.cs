using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;

namespace TemporalServer.Storage;

/// <summary>Stores protobuf messages inside the JSON run state as base64 of their binary form (exact, compact).</summary>
sealed class ProtobufJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeof(IMessage).IsAssignableFrom(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    sealed class Converter<T> : JsonConverter<T> where T : IMessage<T>, new()
    {
        static readonly MessageParser<T> Parser = new(() => new T());

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parser.ParseFrom(reader.GetBytesFromBase64());

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteBase64StringValue(value.ToByteArray());
    }
}
