using System.Diagnostics;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Pipeline;

/// <summary>
/// One method's global maps in a <see cref="MethodMapComparison"/>: for a method over time steps the paper's binned maps (step 5
/// of <see cref="GlobalSaliencySteps"/>) of its sign-free maps projected on the principal directions; for a method over rfft
/// frequency bins (Fourier IG), which has no position in time to bin, the mean |projection| per frequency bin of each label.
/// </summary>
public sealed class MethodGlobalMap
{
    internal MethodGlobalMap(string method, string settings, AttributionAxis axis, BinnedGlobalMaps? binned, double[,,]? frequencyProfiles)
    {
        Method = method; Settings = settings; Axis = axis; Binned = binned; FrequencyProfiles = frequencyProfiles;
    }

    /// <summary>The method's registry name.</summary>
    public string Method { get; }

    /// <summary>What the method computed, in words.</summary>
    public string Settings { get; }

    /// <summary>Time steps (binned maps) or frequency bins (profiles).</summary>
    public AttributionAxis Axis { get; }

    /// <summary>The binned maps per label and component, for a method over time steps; else null.</summary>
    public BinnedGlobalMaps? Binned { get; }

    /// <summary>
    /// For a method over frequency bins: [label, component, bin] the label's mean |projection| per bin, divided by its maximum
    /// over the bins (so in [0, 1], as the binned maps); else null.
    /// </summary>
    public double[,,]? FrequencyProfiles { get; }
}

/// <summary>
/// Several methods' global maps of one dataset side by side (<see cref="MethodComparison.Maps"/>): the same PCA, the same
/// samples, the same binning as the paper's step 5, one <see cref="MethodGlobalMap"/> per method in the order given.
/// </summary>
public sealed class MethodMapComparison
{
    internal MethodMapComparison(string dataset, IReadOnlyList<string> labels, int samples, IReadOnlyList<MethodGlobalMap> methods, double seconds)
    {
        Dataset = dataset; Labels = labels; Samples = samples; Methods = methods; Seconds = seconds;
    }

    /// <summary>Dataset name.</summary>
    public string Dataset { get; }

    /// <summary>The labels, in the maps' order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>How many series were explained and binned.</summary>
    public int Samples { get; }

    /// <summary>One entry per method.</summary>
    public IReadOnlyList<MethodGlobalMap> Methods { get; }

    /// <summary>Seconds the projection and binning of every method took (the attributions were computed before).</summary>
    public double Seconds { get; }
}

/// <summary>
/// The paper's global maps (§3.2) for any method of <see cref="MethodRegistry"/>, so methods compare on the same footing: each
/// attribution towards every latent dimension is made sign-free as the sanity checks make it (<see cref="SaliencyMethod.Maps"/>:
/// |map| for layer methods, Σ_c |attribution| for input methods), projected on the PCA of the posterior means without centring
/// (step 4) and binned per label and component (step 5, <see cref="GlobalSaliencySteps.BinMaps"/>).
/// </summary>
public static class MethodComparison
{
    /// <summary>
    /// The global maps of each of <paramref name="attributions"/> (each of <paramref name="data"/>, towards every latent dimension)
    /// on the components of <paramref name="pca"/>, binned on <paramref name="gridSize"/> bins with a Gaussian filter of
    /// <paramref name="sigma"/> bins, as step 5 bins GradCAM's.
    /// </summary>
    public static MethodMapComparison Maps(TimeSeriesDataset data, LatentPcaFit pca, IReadOnlyList<Attribution> attributions, int gridSize = 200, double sigma = 5)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(pca);
        ArgumentNullException.ThrowIfNull(attributions);
        if (attributions.Count == 0) throw new ArgumentException("At least one attribution is needed.", nameof(attributions));
        var clock = Stopwatch.StartNew();
        var methods = new List<MethodGlobalMap>();
        foreach (Attribution attribution in attributions)
        {
            if (attribution.Labels is null || attribution.Count != data.N || !attribution.Labels.SequenceEqual(data.Labels))
                throw new ArgumentException($"The {attribution.Method} attribution is not of the {data.N} series of '{data.Info.Name}' given: explain that dataset.", nameof(attributions));
            if (attribution.Values.shape[^1] != pca.Pca.LatentDim)
                throw new ArgumentException($"The {attribution.Method} attribution has {attribution.Values.shape[^1]} targets; the PCA needs one per latent dimension ({pca.Pca.LatentDim}).", nameof(attributions));
            Tensor projected;
            using (NewDisposeScope())
            {
                var values = attribution.Values.to(ScalarType.Float64);
                var signFree = values.dim() == 4 ? values.abs().sum(2) : values.abs();             // (N, P, D)
                projected = pca.Pca.ProjectMaps(signFree).to(ScalarType.Float32).DetachFromDisposeScope();
            }
            using var projections = new ProjectedGradCam(data.Info.Name, projected, data.Labels, 0);
            methods.Add(attribution.Axis == AttributionAxis.Frequency
                ? new MethodGlobalMap(attribution.Method, attribution.Settings, attribution.Axis, null, FrequencyProfiles(projections, data))
                : new MethodGlobalMap(attribution.Method, attribution.Settings, attribution.Axis, GlobalSaliencySteps.BinMaps(data, projections, gridSize: gridSize, sigma: sigma), null));
        }
        return new MethodMapComparison(data.Info.Name, data.ClassNames, data.N, methods, clock.Elapsed.TotalSeconds);
    }

    /// <summary>[label, component, bin]: each label's mean |projection| per frequency bin, divided by its maximum (0 when all are 0).</summary>
    private static double[,,] FrequencyProfiles(ProjectedGradCam projections, TimeSeriesDataset data)
    {
        using var scope = NewDisposeScope();
        int bins = (int)projections.Values.shape[1], components = projections.ComponentCount;
        var profiles = new double[data.ClassNames.Length, components, bins];
        for (int l = 0; l < data.ClassNames.Length; l++)
        {
            long[] rows = Enumerable.Range(0, data.N).Where(i => data.LabelIndex[i] == l).Select(i => (long)i).ToArray();
            var mean = projections.Values.index_select(0, torch.tensor(rows)).abs().to(ScalarType.Float64).mean(new long[] { 0 });   // (F, K)
            double[] flat = mean.t().contiguous().data<double>().ToArray();
            for (int k = 0; k < components; k++)
            {
                double peak = Enumerable.Range(0, bins).Max(f => flat[k * bins + f]);
                for (int f = 0; f < bins; f++) profiles[l, k, f] = peak > 0 ? flat[k * bins + f] / peak : 0;
            }
        }
        return profiles;
    }
}
