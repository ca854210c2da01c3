using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Temporalio.Api.Enums.V1;

namespace TemporalServer.Visibility;

/// <summary>
/// Translates a <see cref="ListFilter"/> into a parameterised SQL condition over temporal.executions. Every value
/// (and every custom attribute name) is a parameter; identifiers only ever come from <see cref="SearchAttributes"/>.
/// Values are checked against the attribute's type, so a bad value is an INVALID_ARGUMENT, not a database error.
/// </summary>
sealed class ListFilterSql
{
    readonly List<NpgsqlParameter> _parameters;
    readonly int _firstParameter;
    readonly SearchAttributeSet _attributes;
    readonly string _document;

    ListFilterSql(int firstParameter, SearchAttributeSet attributes, string document)
    {
        _parameters = [];
        _firstParameter = firstParameter;
        _attributes = attributes;
        _document = document;
    }

    /// <summary>
    /// The condition (or <c>TRUE</c>), its parameters numbered from <paramref name="firstParameter"/>, and the ORDER BY
    /// list; attribute names are looked up in <paramref name="attributes"/> (by default: nothing registered), custom
    /// attributes in the jsonb column <paramref name="document"/>.
    /// </summary>
    public static (string Where, IReadOnlyList<NpgsqlParameter> Parameters, string OrderBy) Translate(ListFilter filter, int firstParameter = 1,
        SearchAttributeSet? attributes = null, string document = "search_attributes")
    {
        var sql = new ListFilterSql(firstParameter, attributes ?? SearchAttributeSet.Defaults, document);
        var where = filter.Where is null ? "TRUE" : sql.Condition(filter.Where);
        var orderBy = filter.OrderBy.Count == 0
            ? "start_time DESC, run_id"
            : string.Join(", ", filter.OrderBy.Select(o => $"{sql.Expression(sql._attributes.Find(o.Attribute))} {(o.Descending ? "DESC" : "ASC")} NULLS LAST")) + ", run_id";
        return (where, sql._parameters, orderBy);
    }

    string Condition(Condition condition) => condition switch
    {
        And and => $"({Condition(and.Left)} AND {Condition(and.Right)})",
        Or or => $"({Condition(or.Left)} OR {Condition(or.Right)})",
        Comparison c => Compare(c),
        Between b => BetweenCondition(b),
        InList i => In(i),
        StartsWith s => StartsWithCondition(s),
        IsNull n => $"{Expression(_attributes.Find(n.Attribute))} IS {(n.Negated ? "NOT " : "")}NULL",
        _ => throw new ListFilterException($"unsupported condition {condition}"),
    };

    string Compare(Comparison c)
    {
        var attribute = _attributes.Find(c.Attribute);
        if (attribute.Type == IndexedValueType.KeywordList)
        {
            var contains = $"{Expression(attribute)} @> to_jsonb({Parameter(c.Value.Text, NpgsqlDbType.Text)})";
            return c.Operator switch
            {
                "=" => contains,
                "!=" => $"NOT coalesce({contains}, FALSE)",
                _ => throw new ListFilterException($"operator {c.Operator} is not supported on the KeywordList attribute {attribute.Name}"),
            };
        }
        return $"{Expression(attribute)} {c.Operator} {Value(attribute, c.Value)}";
    }

    string BetweenCondition(Between b)
    {
        var attribute = _attributes.Find(b.Attribute);
        return $"{Expression(attribute)} {(b.Negated ? "NOT " : "")}BETWEEN {Value(attribute, b.Low)} AND {Value(attribute, b.High)}";
    }

    string In(InList i)
    {
        var attribute = _attributes.Find(i.Attribute);
        if (attribute.Type == IndexedValueType.KeywordList)
        {
            var any = string.Join(" OR ", i.Values.Select(v => $"{Expression(attribute)} @> to_jsonb({Parameter(v.Text, NpgsqlDbType.Text)})"));
            return i.Negated ? $"NOT coalesce(({any}), FALSE)" : $"({any})";
        }
        return $"{Expression(attribute)} {(i.Negated ? "NOT " : "")}IN ({string.Join(", ", i.Values.Select(v => Value(attribute, v)))})";
    }

    string StartsWithCondition(StartsWith s)
    {
        var attribute = _attributes.Find(s.Attribute);
        if (attribute.Type is not (IndexedValueType.Keyword or IndexedValueType.Text) || attribute.Name == SearchAttributes.ExecutionStatus)
            throw new ListFilterException($"STARTS_WITH is only supported on Keyword and Text attributes, not on {attribute.Name} ({attribute.Type})");
        var test = $"starts_with({Expression(attribute)}, {Parameter(Text(s.Prefix, attribute), NpgsqlDbType.Text)})";
        return s.Negated ? $"NOT coalesce({test}, FALSE)" : test;
    }

    /// <summary>The SQL expression of an attribute: its column, or its typed value in the jsonb document.</summary>
    /// <remarks>The document column is one of the callers' constants, never text from a request.</remarks>
    string Expression(SearchAttribute attribute)
    {
        if (attribute.Column is not null) return attribute.Column;
        var name = Parameter(attribute.Name, NpgsqlDbType.Text);
        return attribute.Type switch
        {
            IndexedValueType.KeywordList => $"({_document} -> {name})",
            IndexedValueType.Int => $"({_document} ->> {name})::bigint",
            IndexedValueType.Double => $"({_document} ->> {name})::double precision",
            IndexedValueType.Bool => $"({_document} ->> {name})::boolean",
            IndexedValueType.Datetime => $"({_document} ->> {name})::timestamptz",
            _ => $"({_document} ->> {name})",
        };
    }

    string Value(SearchAttribute attribute, Literal literal)
    {
        if (attribute.Name == SearchAttributes.ExecutionStatus) return Parameter((int)Status(literal), NpgsqlDbType.Integer);
        return attribute.Type switch
        {
            IndexedValueType.Int => Parameter(long.TryParse(literal.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : throw Invalid(attribute, literal), NpgsqlDbType.Bigint),
            IndexedValueType.Double => Parameter(double.TryParse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Invalid(attribute, literal), NpgsqlDbType.Double),
            IndexedValueType.Bool => Parameter(bool.TryParse(literal.Text, out var b) ? b : throw Invalid(attribute, literal), NpgsqlDbType.Boolean),
            IndexedValueType.Datetime => Parameter(Time(attribute, literal), NpgsqlDbType.TimestampTz),
            _ => Parameter(Text(literal, attribute), NpgsqlDbType.Text),
        };
    }

    static string Text(Literal literal, SearchAttribute attribute) =>
        literal.Quoted ? literal.Text : throw new ListFilterException($"the value of {attribute.Name} must be a quoted string, not {literal.Text}");

    /// <summary>RFC 3339 text, or (as Temporal also accepts) nanoseconds since the Unix epoch.</summary>
    static DateTime Time(SearchAttribute attribute, Literal literal)
    {
        if (!literal.Quoted && long.TryParse(literal.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var nanos))
            return DateTime.UnixEpoch.AddTicks(nanos / 100);
        return DateTimeOffset.TryParse(literal.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime
            : throw Invalid(attribute, literal);
    }

    static WorkflowExecutionStatus Status(Literal literal)
    {
        var text = literal.Text.Replace("WORKFLOW_EXECUTION_STATUS_", "", StringComparison.OrdinalIgnoreCase).Replace("_", "");
        if (Enum.TryParse<WorkflowExecutionStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status) && status != WorkflowExecutionStatus.Unspecified)
            return status;
        throw new ListFilterException(
            $"invalid ExecutionStatus value '{literal.Text}': expected one of Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut");
    }

    static ListFilterException Invalid(SearchAttribute attribute, Literal literal) =>
        new($"invalid value '{literal.Text}' for {attribute.Name}: expected a {attribute.Type} value");

    string Parameter(object value, NpgsqlDbType type)
    {
        _parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return $"${_firstParameter + _parameters.Count - 1}";
    }
}
