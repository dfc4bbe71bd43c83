using System.CommandLine;

namespace Delineate.Cli;

/// <summary>The job id argument of the commands that act on one job.</summary>
public static class JobIdArgument
{
    public static Argument<Guid> Create() => new("ID") { Description = "The job id (the jobId a download printed)" };
}
