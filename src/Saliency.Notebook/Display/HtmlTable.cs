using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using Saliency.Notebook.Plots;

namespace Saliency.Notebook.Display;

/// <summary>
/// A small table for notebook output: column names and rows of cells, shown as an HTML table or aligned text.
/// Built from a <see cref="DataFrame"/> or directly (e.g. per-label summaries).
/// </summary>
public sealed class HtmlTable
{
    /// <summary>Rows shown by default when a frame is longer; the rest is summarised in the caption.</summary>
    public const int DefaultMaxRows = 50;

    /// <summary>A table with the given columns and rows; every row must have one cell per column.</summary>
    public HtmlTable(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<object?>> rows, string? caption = null)
    {
        for (int r = 0; r < rows.Count; r++)
            if (rows[r].Count != columns.Count)
                throw new ArgumentException($"Row {r} has {rows[r].Count} cells for {columns.Count} columns.", nameof(rows));
        Columns = columns;
        Rows = rows;
        Caption = caption;
    }

    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows of cell values (formatted with the invariant culture).</summary>
    public IReadOnlyList<IReadOnlyList<object?>> Rows { get; }

    /// <summary>Caption under the title line, or null.</summary>
    public string? Caption { get; }

    /// <summary>The first <paramref name="maxRows"/> rows of <paramref name="frame"/>; the caption tells how many were left out.</summary>
    public static HtmlTable From(DataFrame frame, int maxRows = DefaultMaxRows)
    {
        var columns = frame.Columns.Select(column => column.Name).ToList();
        long shown = Math.Min(frame.Rows.Count, maxRows);
        var rows = new List<IReadOnlyList<object?>>();
        for (long r = 0; r < shown; r++) rows.Add(frame.Columns.Select(column => column[r]).ToList());
        string caption = shown < frame.Rows.Count
            ? $"{frame.Rows.Count} rows × {frame.Columns.Count} columns (first {shown} shown)"
            : $"{frame.Rows.Count} rows × {frame.Columns.Count} columns";
        return new HtmlTable(columns, rows, caption);
    }

    /// <summary>The table as an HTML fragment.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder("<table class=\"saliency-table\" style=\"border-collapse:collapse;font-family:monospace;font-size:12px\">");
        if (Caption != null) html.Append("<caption style=\"caption-side:bottom;text-align:left;color:#555\">").Append(WebUtility.HtmlEncode(Caption)).Append("</caption>");
        html.Append("<thead><tr>");
        foreach (string column in Columns)
            html.Append("<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:right\">").Append(WebUtility.HtmlEncode(LabelText.Display(column))).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (IReadOnlyList<object?> row in Rows)
        {
            html.Append("<tr>");
            foreach (object? cell in row)
                html.Append("<td style=\"padding:2px 8px;text-align:right\">").Append(WebUtility.HtmlEncode(Format(cell))).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>The table as aligned plain text.</summary>
    public override string ToString()
    {
        var cells = new List<string[]> { LabelText.Display(Columns) };
        cells.AddRange(Rows.Select(row => row.Select(Format).ToArray()));
        int[] widths = Enumerable.Range(0, Columns.Count).Select(c => cells.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] row in cells)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadLeft(widths[c]))).TrimEnd());
        if (Caption != null) text.AppendLine(Caption);
        return text.ToString();
    }

    /// <summary>A cell as the table shows it; text as <see cref="LabelText.Display(string)"/> shows labels (the symbols' <c>\Omega</c> as Ω), as the figures do.</summary>
    private static string Format(object? cell) => cell switch
    {
        null => "",
        string text => LabelText.Display(text),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };
}
