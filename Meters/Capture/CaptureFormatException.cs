namespace Meters.Capture;

/// <summary>A capture file that cannot be read as raw Kafka records; the message names the file's problem.</summary>
public sealed class CaptureFormatException(string message, Exception? inner = null) : Exception(message, inner);
