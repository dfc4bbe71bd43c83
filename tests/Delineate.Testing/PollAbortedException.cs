namespace Delineate.Testing;

/// <summary>Thrown from a poll's probe when waiting longer cannot help; <see cref="Poll"/> lets it through at once.</summary>
public class PollAbortedException(string message) : Exception(message);
