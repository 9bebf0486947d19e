namespace Saliency.Notebook.Display;

/// <summary>Where a notebook or page gets plotly.js from: inlined once (works offline) or the plotly CDN (small outputs, needs the network).</summary>
public enum PlotlyJsSource
{
    /// <summary>plotly.js embedded in the kit assembly, written inline once per notebook or page.</summary>
    Inline,

    /// <summary>One <c>&lt;script src&gt;</c> tag pointing at the plotly CDN, once per notebook or page.</summary>
    Cdn,

    /// <summary>
    /// One <c>&lt;script src="plotly.min.js"&gt;</c> tag: the file <see cref="PlotlyHtml.PlotlyJsFileName"/> next to the page, shared by
    /// every page of a figures folder instead of 4.5 MB inlined in each.
    /// </summary>
    File,
}
