using Microsoft.Extensions.Logging;

namespace Perms.UnitTests.Grpc;

/// <summary>One log entry the test server wrote.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);
