// The benchmark's baseline: bare Kestrel, one constant JSON answer, no logging, no middleware.
// It takes the same request as POST /v1/download/initiate (body read and discarded) and answers 202
// with a body of the same shape, so its figure is the ceiling any endpoint of ours is measured against.
//
//   dotnet Delineate.Bench.Baseline.dll --urls http://127.0.0.1:5099
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var body = """
    {"jobId":"0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b","status":"queued","totalFileIds":1,"statusUrl":"/v1/download/status/0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b","subscribeUrl":"/v1/download/subscribe/0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b","eventsUrl":"/v1/download/events/0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b"}
    """u8.ToArray();

app.MapPost("/v1/download/initiate", async (HttpContext context) =>
{
    // Drain the body, as any real endpoint must.
    var buffer = new byte[1024];
    while (await context.Request.Body.ReadAsync(buffer) > 0)
    {
    }
    context.Response.StatusCode = StatusCodes.Status202Accepted;
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = body.Length;
    await context.Response.Body.WriteAsync(body);
});
app.MapGet("/health", () => Results.Text("""{"status":"healthy"}""", "application/json"));

app.Run();
