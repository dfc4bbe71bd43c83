namespace Delineate.Cli;

/// <summary>The job ended without an archive to hand over: failed, cancelled, or an archive that is not what it should be (exit code 1).</summary>
public sealed class JobFailedException(string message) : Exception(message);
