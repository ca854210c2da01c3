using Telemetry.Storage;

namespace Telemetry.Tests;

public sealed class WaterfallTests
{
    static SpanRecord Span(string id, string? parent, long start, long end, string service = "web") =>
        new("t", id, parent, "op-" + id, SpanKind.Internal, service, null, start, end, SpanStatus.Unset, null, new Dictionary<string, string>());

    [Fact]
    public void Spans_are_ordered_depth_first_with_children_by_start_and_bars_scaled_to_the_trace()
    {
        var detail = Waterfall.Build("t", [
            Span("c2", "a", 600, 900, "workers"), Span("a", null, 0, 1000), Span("c1", "a", 100, 500, "workers"), Span("g", "c1", 200, 300, "postgres"),
            Span("orphan", "missing", 950, 1000)]);

        Assert.Equal(["a", "c1", "g", "c2", "orphan"], detail.Spans.Select(s => s.Span.SpanId));
        Assert.Equal([0, 1, 2, 1, 0], detail.Spans.Select(s => s.Depth));
        Assert.Equal(["c1", "c2"], detail.Spans[0].ChildIds);
        Assert.Equal((20.0, 10.0), (detail.Spans[2].OffsetPercent, detail.Spans[2].WidthPercent));
        Assert.Equal(0.001, detail.DurationMs);
        Assert.Equal(["postgres", "web", "workers"], detail.Services);
    }
}
