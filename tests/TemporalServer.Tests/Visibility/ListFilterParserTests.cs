using NpgsqlTypes;
using TemporalServer.Visibility;

namespace TemporalServer.Tests.Visibility;

public sealed class ListFilterParserTests
{
    [Fact]
    public void An_empty_query_matches_everything()
    {
        Assert.Same(ListFilter.Everything, ListFilterParser.Parse(""));
        Assert.Equal("TRUE", ListFilterSql.Translate(ListFilterParser.Parse("  ")).Where);
    }

    [Fact]
    public void Backticked_and_bare_identifiers_compare_with_quoted_values()
    {
        var filter = ListFilterParser.Parse("`WorkflowId`=\"order-1001\" AND WorkflowType != 'Billing'");

        Assert.Equal(new And(new Comparison("WorkflowId", "=", new Literal("order-1001", true)), new Comparison("WorkflowType", "!=", new Literal("Billing", true))), filter.Where);
    }

    [Fact]
    public void AND_binds_tighter_than_OR_and_parentheses_override_it()
    {
        var a = new Comparison("WorkflowId", "=", new Literal("a", true));
        var b = new Comparison("WorkflowId", "=", new Literal("b", true));
        var c = new Comparison("WorkflowId", "=", new Literal("c", true));

        Assert.Equal(new Or(a, new And(b, c)), ListFilterParser.Parse("WorkflowId='a' OR WorkflowId='b' AND WorkflowId='c'").Where);
        Assert.Equal(new And(new Or(a, b), c), ListFilterParser.Parse("(WorkflowId='a' OR WorkflowId='b') AND WorkflowId='c'").Where);
    }

    [Fact]
    public void Every_operator_the_web_ui_sends_is_understood()
    {
        var filter = ListFilterParser.Parse(
            "StartTime BETWEEN \"2026-01-01T00:00:00Z\" AND \"2026-02-01T00:00:00Z\" AND WorkflowType STARTS_WITH \"Trade\" " +
            "AND ExecutionStatus IN (\"Running\", \"Failed\") AND CloseTime IS NULL AND ParentWorkflowId IS NOT NULL " +
            "AND HistoryLength >= 3 AND HistoryLength <= 10 AND HistoryLength > 2 AND HistoryLength < 11 AND CustomIntField <> 4");

        var (where, parameters, _) = ListFilterSql.Translate(filter, firstParameter: 2);

        Assert.Contains("start_time BETWEEN $2 AND $3", where);
        Assert.Contains("starts_with(workflow_type, $4)", where);
        Assert.Contains("status IN ($5, $6)", where);
        Assert.Contains("close_time IS NULL", where);
        Assert.Contains("parent_workflow_id IS NOT NULL", where);
        Assert.Contains("history_length >= $7", where);
        Assert.Contains("(search_attributes ->> $11)::bigint != $12", where);
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), parameters[0].Value);
        Assert.Equal(1, parameters[3].Value);
        Assert.Equal(3, parameters[4].Value);
        Assert.Equal("CustomIntField", parameters[9].Value);
        Assert.Equal(4L, parameters[10].Value);
    }

    [Fact]
    public void Values_are_parameters_and_never_part_of_the_sql_text()
    {
        var (where, parameters, _) = ListFilterSql.Translate(ListFilterParser.Parse("WorkflowId = \"x'; DROP TABLE temporal.executions; --\""));

        Assert.Equal("workflow_id = $1", where);
        Assert.Equal("x'; DROP TABLE temporal.executions; --", parameters[0].Value);
        Assert.Equal(NpgsqlDbType.Text, parameters[0].NpgsqlDbType);
    }

    [Fact]
    public void Count_queries_group_by_execution_status_and_lists_may_order()
    {
        var count = ListFilterParser.Parse("ExecutionStatus=\"Running\" GROUP BY ExecutionStatus");
        var ordered = ListFilterParser.Parse("ORDER BY StartTime ASC, WorkflowId DESC");

        Assert.Equal("ExecutionStatus", count.GroupBy);
        Assert.Null(ordered.Where);
        Assert.Equal("start_time ASC NULLS LAST, workflow_id DESC NULLS LAST, run_id", ListFilterSql.Translate(ordered).OrderBy);
    }

    [Theory]
    [InlineData("Bogus = 'x'", "invalid search attribute: Bogus is not a registered search attribute")]
    [InlineData("WorkflowId = 'open", "unterminated string starting at position 14")]
    [InlineData("WorkflowId 'x'", "expected an operator after 'WorkflowId' but found 'x' at position 12")]
    [InlineData("WorkflowId = ", "expected a value for 'WorkflowId' but found the end of the query")]
    [InlineData("(WorkflowId = 'a'", "expected ')' but found the end of the query")]
    [InlineData("ExecutionStatus = 'Sleeping'", "invalid ExecutionStatus value 'Sleeping': expected one of Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut")]
    [InlineData("StartTime > 'yesterday'", "invalid value 'yesterday' for StartTime: expected a Datetime value")]
    [InlineData("HistoryLength > 'many'", "invalid value 'many' for HistoryLength: expected a Int value")]
    [InlineData("WorkflowId = 'a' GROUP BY WorkflowType", "GROUP BY is only supported on ExecutionStatus, not 'WorkflowType'")]
    [InlineData("HistoryLength STARTS_WITH '1'", "STARTS_WITH is only supported on Keyword and Text attributes, not on HistoryLength (Int)")]
    [InlineData("WorkflowId = 'a' LIMIT 5", "expected AND, OR, ORDER BY or GROUP BY but found 'LIMIT' at position 18")]
    [InlineData("WorkflowId = 'a' ; DELETE", "unexpected character ';' at position 18")]
    public void An_invalid_query_is_rejected_with_a_message_naming_the_problem(string query, string message)
    {
        var error = Assert.Throws<ListFilterException>(() => ListFilterSql.Translate(ListFilterParser.Parse(query)));

        Assert.Equal(message, error.Message);
    }
}
