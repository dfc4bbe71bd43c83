namespace Delineate.Cli;

/// <summary>What the process tells its caller.</summary>
public static class ExitCodes
{
    /// <summary>Done: the job completed and its archive is saved, or the action was carried out.</summary>
    public const int Success = 0;

    /// <summary>The job failed or was cancelled (also: nothing to download), or the action does not fit the job's state (409).</summary>
    public const int JobUnsuccessful = 1;

    /// <summary>A usage error, an error answer from the service, or the service could not be reached.</summary>
    public const int UsageOrConnection = 2;

    /// <summary>Interrupted (Ctrl+C); the job goes on.</summary>
    public const int Interrupted = 130;
}
