using Delineate.Abstractions;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Jobs;

/// <summary>What fetching one file came to.</summary>
public sealed record FetchOutcome(FileStatus Status, int Attempts, SourceFile? File, string? Error);
