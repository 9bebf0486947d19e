using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// The checks every way into the method makes (the engine, the in-memory run, the notebook's steps), written once: the data fits
/// the model, the settings are in range, and the binning variant suits the data.
/// </summary>
internal static class PipelineGuards
{
    /// <summary>Checks a run's input and settings and returns the binning variant it uses.</summary>
    public static MapVariant Check(ILatentEncoder model, string name, long channels, long length, PlotKind plotKind, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(model.LatentDim);
        CheckInput(model, name, channels, length);
        return Variant(name, channels, plotKind, options.Variant);
    }

    /// <summary>Throws when series of <paramref name="channels"/> × <paramref name="length"/> do not fit the model.</summary>
    public static void CheckInput(ILatentEncoder model, string name, long channels, long length)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (channels != model.Channels || length != model.Length)
            throw new ArgumentException($"The model takes {model.Channels} channel(s) × length {model.Length}; dataset '{name}' has {channels} × {length}.");
    }

    /// <summary>The variant asked for, else the data's own (time series for series plots, trajectories otherwise); trajectories need two channels.</summary>
    public static MapVariant Variant(string name, long channels, PlotKind plotKind, MapVariant? requested)
    {
        MapVariant variant = requested ?? (plotKind == PlotKind.TimeSeries ? MapVariant.TimeSeries : MapVariant.Trajectories);
        if (variant == MapVariant.Trajectories && channels < 2)
            throw new ArgumentException($"The trajectory maps need two channels; dataset '{name}' has {channels}. Use the time-series variant.");
        return variant;
    }

    /// <summary>What is wrong with a grid of <paramref name="gridSize"/> bins and a filter of <paramref name="sigma"/> bins, or null when both are in range.</summary>
    public static (string Setting, string Problem)? GridProblem(int gridSize, double sigma)
    {
        if (gridSize is < 2 or > PipelineOptions.MaxGridSize) return ("grid", $"must be between 2 and {PipelineOptions.MaxGridSize} bins per axis; got {gridSize}.");
        if (!(sigma >= 0 && sigma <= PipelineOptions.MaxSigma)) return ("sigma", $"must be a number between 0 and {PipelineOptions.MaxSigma} bins; got {sigma}.");
        return null;
    }
}
