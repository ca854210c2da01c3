using ScottPlot;

namespace AnalysisReport;

/// <summary>One look for every figure (ScottPlot, written as SVG so that the report diffs as text).</summary>
static class Charts
{
    public const int Width = 900, Height = 420;

    public static Plot Create(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>Saves the figure as <c>&lt;directory&gt;/&lt;name&gt;.svg</c> and returns the Markdown that shows it.</summary>
    public static string Save(Plot plot, string directory, string name, string alt)
    {
        Directory.CreateDirectory(directory);
        plot.SaveSvg(Path.Combine(directory, name + ".svg"), Width, Height);
        return $"![{alt}](analysis/{name}.svg)";
    }

    /// <summary>Hour ticks 0–23 on the bottom axis.</summary>
    public static void HourTicks(Plot plot) =>
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, 24).Select(h => (double)h)], [.. Enumerable.Range(0, 24).Select(h => h.ToString("00", System.Globalization.CultureInfo.InvariantCulture))]);
}
