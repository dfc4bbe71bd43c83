namespace Delineate.Client;

/// <summary>Anything the client reports as failing: a problem answer or an unreachable server.</summary>
public abstract class DelineateException(string message, Exception? inner = null) : Exception(message, inner);
