using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Tests.Infrastructure;

public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);
