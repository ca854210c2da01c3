using System.Text.Json;
using Durable.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Durable;

/// <summary>Facts about the running activity attempt.</summary>
public sealed record ActivityInfo(long TaskId, string ActivityType, int Attempt, string WorkflowId, Guid RunId, string WorkflowType, string TaskQueue, DateTimeOffset ScheduledAt);

/// <summary>
/// The ambient context of an activity attempt: heartbeat, cancellation and the engine's transaction.
/// Activities are at-least-once; writes made through <see cref="GetTransactionAsync"/> commit atomically with the
/// completion record, which makes their effect exactly-once.
/// </summary>
public sealed class ActivityExecutionContext
{
    static readonly AsyncLocal<ActivityExecutionContext?> Ambient = new();

    public static ActivityExecutionContext Current => Ambient.Value ?? throw new InvalidOperationException("Not inside a Durable activity");
    public static bool HasCurrent => Ambient.Value is not null;

    readonly NpgsqlDataSource _dataSource;
    readonly string _workerId;
    readonly JsonElement? _previousDetails;
    NpgsqlConnection? _connection;
    NpgsqlTransaction? _transaction;

    internal ActivityExecutionContext(ActivityInfo info, CancellationToken token, NpgsqlDataSource dataSource, string workerId,
        DurableSerializer serializer, JsonElement? previousDetails, ILogger logger, TimeProvider time)
    {
        Info = info;
        CancellationToken = token;
        _dataSource = dataSource;
        _workerId = workerId;
        Serializer = serializer;
        _previousDetails = previousDetails;
        Logger = logger;
        LastHeartbeat = time.GetUtcNow();
        Time = time;
    }

    public ActivityInfo Info { get; }
    /// <summary>Cancelled on workflow cancellation, timeouts, lost lease or worker shutdown.</summary>
    public CancellationToken CancellationToken { get; }
    public ILogger Logger { get; }
    internal DurableSerializer Serializer { get; }
    internal TimeProvider Time { get; }
    internal DateTimeOffset LastHeartbeat { get; private set; }
    internal JsonElement? PendingDetails { get; private set; }
    internal bool DetailsDirty { get; set; }
    internal NpgsqlConnection? Connection => _connection;
    internal NpgsqlTransaction? Transaction => _transaction;

    internal static void Enter(ActivityExecutionContext? context) => Ambient.Value = context;

    /// <summary>Reports liveness (resets the heartbeat timeout); details are stored and given to the next attempt.</summary>
    public void Heartbeat(params object?[] details)
    {
        LastHeartbeat = Time.GetUtcNow();
        if (details.Length == 0) return;
        PendingDetails = Serializer.ArgsToElement(details, details.Select(d => d?.GetType() ?? typeof(object)).ToArray());
        DetailsDirty = true;
    }

    public bool HasHeartbeatDetails => _previousDetails is { ValueKind: JsonValueKind.Array } d && d.GetArrayLength() > 0;

    /// <summary>Heartbeat detail <paramref name="index"/> from the previous attempt (progress to resume from).</summary>
    public T? GetHeartbeatDetail<T>(int index = 0) =>
        _previousDetails is { ValueKind: JsonValueKind.Array } d && d.GetArrayLength() > index ? Serializer.FromElement<T>(d[index]) : default;

    internal JsonElement? DetailsToStore => PendingDetails ?? _previousDetails;

    const string LockTaskSql = "SELECT 1 FROM durable.activity_tasks WHERE id = $1 AND lease_owner = $2 FOR KEY SHARE";

    /// <summary>
    /// The engine's transaction for this attempt. The completion record is written in it and it commits only if the
    /// attempt succeeds and still holds its task, so writes made here happen exactly once. The task row is locked for
    /// the transaction's lifetime, so no other worker can take the task over meanwhile.
    /// </summary>
    public async Task<NpgsqlTransaction> GetTransactionAsync(CancellationToken cancellationToken = default)
    {
        if (_transaction is not null) return _transaction;
        _connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        _transaction = await _connection.BeginTransactionAsync(cancellationToken);
        await using var command = Sql.Command(LockTaskSql, _connection, _transaction, Info.TaskId, _workerId);
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
            throw new ActivityLeaseLostException(Info);
        return _transaction;
    }

    internal async ValueTask ReleaseTransactionAsync()
    {
        if (_transaction is not null) await _transaction.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        _transaction = null;
        _connection = null;
    }
}

/// <summary>This attempt no longer owns its task (taken over after lease expiry, or the run closed); its result is discarded.</summary>
public sealed class ActivityLeaseLostException(ActivityInfo info) : Exception($"Activity {info.ActivityType} task {info.TaskId} attempt {info.Attempt} lost its lease");
