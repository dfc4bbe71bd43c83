namespace Delineate.Testing;

/// <summary>A process under test exited while something was waiting for it.</summary>
public sealed class ProcessExitedException(string message) : PollAbortedException(message);
