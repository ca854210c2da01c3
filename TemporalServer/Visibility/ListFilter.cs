namespace TemporalServer.Visibility;

/// <summary>
/// A parsed visibility query (Temporal's list-filter language): <c>WHERE</c> condition, optional
/// <c>GROUP BY ExecutionStatus</c> and <c>ORDER BY</c>.
/// </summary>
sealed record ListFilter(Condition? Where, string? GroupBy, IReadOnlyList<Ordering> OrderBy)
{
    public static readonly ListFilter Everything = new(null, null, []);
}

sealed record Ordering(string Attribute, bool Descending);

abstract record Condition;

sealed record Comparison(string Attribute, string Operator, Literal Value) : Condition;

sealed record Between(string Attribute, Literal Low, Literal High, bool Negated) : Condition;

sealed record InList(string Attribute, IReadOnlyList<Literal> Values, bool Negated) : Condition;

sealed record StartsWith(string Attribute, Literal Prefix, bool Negated) : Condition;

sealed record IsNull(string Attribute, bool Negated) : Condition;

sealed record And(Condition Left, Condition Right) : Condition;

sealed record Or(Condition Left, Condition Right) : Condition;

/// <summary>A literal as written: quoted text, or a bare number/boolean.</summary>
sealed record Literal(string Text, bool Quoted);

/// <summary>A query Temporal would reject; the message names the problem and where it is.</summary>
sealed class ListFilterException(string message) : Exception(message);
