using Delineate.Bench.Load;

// The load and measurement client of bench/run.sh. Each command prints its figures as one line
// "RESULT {json}" on stdout (progress on stderr); bench/run.sh collects them and `report` turns them
// into the table and bench/results/latest.json.
//
//   free-port                                    a free loopback TCP port
//   wait-http --url U [--timeout-s 60]           until GET U answers 200
//   jobs --url U --jobs N ...                    P2: N jobs end to end (initiate, then wait for all)
//   progress --url U --jobs N ...                P3: N jobs live, one WebSocket each; publish -> receive latency
//   capacity --url U --jobs N --subscribers M    P4: N in-flight jobs, then M WebSocket subscribers; RSS sampled
//   resume --url U --silo PID=LOG ...            P6: kill -9 the silo hosting a job; time until another resumes it
//   report --in results.jsonl --out latest.json  the table, targets met or missed
//   file-ids --from A --to B [--count N] [--smallest true]   ids that exist in the synthetic catalogue
var command = args.Length > 0 ? args[0] : "";
var options = Args.Parse(args.Skip(1));
try
{
    return command switch
    {
        "free-port" => Commands.FreePort(),
        "wait-http" => await Commands.WaitHttpAsync(options),
        "jobs" => await JobsBenchmark.RunAsync(options),
        "progress" => await ProgressBenchmark.RunAsync(options),
        "capacity" => await CapacityBenchmark.RunAsync(options),
        "resume" => await ResumeBenchmark.RunAsync(options),
        "report" => Report.Run(options),
        "file-ids" => Catalogue.Print(options),
        _ => Commands.Usage(),
    };
}
catch (BenchException ex)
{
    Console.Error.WriteLine($"{command}: {ex.Message}");
    return 1;
}
