namespace Delineate.EndToEnd.Tests.Infrastructure;

/// <summary>A process under test exited while something was waiting for it; stops a poll at once.</summary>
public sealed class ProcessExitedException(string message) : Exception(message);
