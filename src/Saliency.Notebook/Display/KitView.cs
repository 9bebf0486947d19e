using System.Net;
using System.Text;

namespace Saliency.Notebook.Display;

/// <summary>
/// One notebook output made of several parts: a title, short notes, tables and figures, and nested views laid out side
/// by side. The kit's views of its objects (<see cref="Views"/>) are KitViews, so a notebook cell stays one call that
/// returns one value. Its figures stay reachable (<see cref="Figures"/>) so the headless runner can export each as a
/// PNG; plotly.js comes with the notebook session, once, as for single charts.
/// </summary>
public sealed class KitView
{
    private readonly List<object> _parts = new();

    /// <summary>An empty view headed <paramref name="title"/> (null: no heading).</summary>
    public KitView(string? title) => Title = title;

    /// <summary>Heading of the view, or null.</summary>
    public string? Title { get; }

    /// <summary>The parts in display order: notes (string), <see cref="HtmlTable"/>, <see cref="Figure"/>, <see cref="ProgressView"/> or a nested row of views.</summary>
    public IReadOnlyList<object> Parts => _parts;

    /// <summary>Every figure of the view, nested rows included, in display order.</summary>
    public IReadOnlyList<Figure> Figures => _parts.SelectMany(part => part switch
    {
        Figure figure => new[] { figure },
        ViewRow row => row.Views.SelectMany(view => view.Figures),
        _ => Enumerable.Empty<Figure>(),
    }).ToList();

    /// <summary>Every table of the view, nested rows included, in display order.</summary>
    public IReadOnlyList<HtmlTable> Tables => _parts.SelectMany(part => part switch
    {
        HtmlTable table => new[] { table },
        ViewRow row => row.Views.SelectMany(view => view.Tables),
        _ => Enumerable.Empty<HtmlTable>(),
    }).ToList();

    /// <summary>Appends a short note (plain text, shown as a paragraph).</summary>
    public KitView Note(string text)
    {
        _parts.Add(text);
        return this;
    }

    /// <summary>Appends a table.</summary>
    public KitView Add(HtmlTable table)
    {
        _parts.Add(table);
        return this;
    }

    /// <summary>Appends a figure.</summary>
    public KitView Add(Figure figure)
    {
        _parts.Add(figure);
        return this;
    }

    /// <summary>Appends a progress view (its SVG curves, no plotly.js).</summary>
    public KitView Add(ProgressView progress)
    {
        _parts.Add(progress);
        return this;
    }

    /// <summary>Appends <paramref name="views"/> side by side (wrapping when the page is narrow), e.g. two models compared.</summary>
    public KitView Row(params KitView[] views)
    {
        _parts.Add(new ViewRow(views));
        return this;
    }

    /// <summary>The view as one HTML fragment; the first figure of a notebook session also carries plotly.js.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder("<div class=\"saliency-view\" style=\"font-family:sans-serif;font-size:13px\">");
        if (Title != null) html.Append("<h4 style=\"margin:6px 0\">").Append(WebUtility.HtmlEncode(Title)).Append("</h4>");
        foreach (object part in _parts)
        {
            switch (part)
            {
                case string note:
                    html.Append("<p style=\"margin:4px 0;color:#333;max-width:900px\">").Append(WebUtility.HtmlEncode(note)).Append("</p>");
                    break;
                case HtmlTable table:
                    html.Append("<div style=\"margin:6px 0\">").Append(table.ToHtml()).Append("</div>");
                    break;
                case Figure figure:
                    html.Append(PlotlyHtml.NotebookFragment(figure));
                    break;
                case ProgressView progress:
                    html.Append(progress.ToHtml());
                    break;
                case ViewRow row:
                    html.Append("<div style=\"display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start\">");
                    foreach (KitView view in row.Views) html.Append("<div>").Append(view.ToHtml()).Append("</div>");
                    html.Append("</div>");
                    break;
            }
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>Plain-text summary: the title, the notes, the tables as text and one line per figure.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Title != null) text.AppendLine(Title);
        foreach (object part in _parts)
        {
            switch (part)
            {
                case string note: text.AppendLine(note); break;
                case HtmlTable table: text.Append(table); break;
                case Figure figure: text.AppendLine(figure.ToString()); break;
                case ProgressView progress: text.AppendLine(progress.ToString()); break;
                case ViewRow row:
                    foreach (KitView view in row.Views) text.Append(view);
                    break;
            }
        }
        return text.ToString();
    }

    private sealed record ViewRow(IReadOnlyList<KitView> Views);
}
