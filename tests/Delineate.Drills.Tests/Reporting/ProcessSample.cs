namespace Delineate.Drills.Tests.Reporting;

public sealed record ProcessSample(double Second, string Process, int Generation, int Pid, double RssMb, int OpenFds, int Threads);
