namespace Delineate.Hosting;

/// <summary>A configuration value that stops the process at start; the message names the variable.</summary>
public sealed class SettingsException(string message) : Exception(message);
