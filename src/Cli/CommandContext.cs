using System.CommandLine;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary>What a command's action works with.</summary>
public sealed record CommandContext(ParseResult Parse, DelineateClient Client, Output Output, CancellationToken CancellationToken)
{
    public OutputMode Mode => Output.Mode;
}
