namespace LocalServers;

/// <summary>A tool or library the local infrastructure needs is not installed; the message names how to install it.</summary>
public sealed class MissingPrerequisiteException(string message) : Exception(message);
