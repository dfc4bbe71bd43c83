namespace Delineate.Drills.Tests.Reporting;

public sealed record MachineLoad(int Cores, int Samples, double MeanLoadAverage, double MaxLoadAverage);
