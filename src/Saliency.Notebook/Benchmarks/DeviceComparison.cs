using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Benchmarks;

/// <summary>One device's time for the notebook's GradCAM step: its first call (what a notebook's first run of the cell pays) and the best and median of the calls after it.</summary>
public sealed record DeviceStepTiming(string Device, string Path, double FirstSeconds, double BestSeconds, double MedianSeconds);

/// <summary>
/// How far one set of |GradCAM| maps is from a reference set of the same shape: the largest absolute difference, the largest
/// reference value it is measured against, and the L1 norm of the difference over the reference's.
/// </summary>
public sealed record MapDifference(double MaxAbsolute, double MaxReference, double RelativeL1)
{
    /// <summary>The largest absolute difference as a fraction of the largest reference value (0 when both are all zero).</summary>
    public double MaxRelative => MaxAbsolute == 0 ? 0 : MaxAbsolute / MaxReference;

    /// <summary>The difference of <paramref name="maps"/> from <paramref name="reference"/>, both on any device, computed in float64 on the CPU.</summary>
    public static MapDifference Between(Tensor reference, Tensor maps)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(maps);
        if (!reference.shape.SequenceEqual(maps.shape))
            throw new ArgumentException($"The maps have shape ({string.Join(", ", maps.shape)}), the reference ({string.Join(", ", reference.shape)}).", nameof(maps));
        using var scope = NewDisposeScope();
        var r = reference.cpu().to(ScalarType.Float64);
        var delta = (maps.cpu().to(ScalarType.Float64) - r).abs();
        double l1 = r.abs().sum().item<double>();
        double deltaL1 = delta.sum().item<double>();
        return new MapDifference(delta.max().item<double>(), r.abs().max().item<double>(), deltaL1 == 0 ? 0 : deltaL1 / l1);
    }
}

/// <summary>
/// The notebook's GradCAM step on a device against a reference device, for one dataset: how far the device's maps are from the
/// reference's, and each device's time. <see cref="Tf32"/> says whether cuDNN could use TF32 on the device.
/// </summary>
public sealed record DeviceComparisonResult(
    string Dataset, string Model, int Samples, int Length, int LatentDim, int Repeats, bool Tf32,
    DeviceStepTiming Reference, DeviceStepTiming Device, MapDifference Difference)
{
    /// <summary>How many times faster the device's best call is than the reference's.</summary>
    public double Speedup => Reference.BestSeconds / Device.BestSeconds;
}

/// <summary>
/// Runs the notebooks' GradCAM cell, <c>new GradCam(model).Attribute(data, device: …)</c> with the model loaded on each device as the
/// notebook loads it, on a reference device (the CPU) and on a device under test (CUDA), and compares the maps and the times side by
/// side in one run. It answers "does the GPU give the CPU's maps, and how much faster": a benchmark and a check, not a test.
/// </summary>
public static class DeviceComparison
{
    /// <summary>
    /// The largest relative difference (<see cref="MapDifference.MaxRelative"/>) that counts as equal. With TF32, cuDNN rounds the
    /// convolutions' operands to a 10-bit mantissa (unit roundoff 2⁻¹¹ ≈ 4.9e-4) and sums products over channels × kernel taps, so
    /// maps can differ by the order of 1e-3 of their largest value; 1e-2 leaves room for that and still fails a wrong map (a
    /// GPU run of tests/bench/gpu_check.py measures the actual difference beside PyTorch's own). Without TF32 the
    /// devices differ only in summation order: 1e-4.
    /// </summary>
    public static double DefaultTolerance(bool tf32) => tf32 ? 1e-2 : 1e-4;

    /// <summary>
    /// Compares the GradCAM step of the model that <paramref name="loadModel"/> loads on a device, on <paramref name="data"/>, between
    /// <paramref name="reference"/> and <paramref name="device"/>: one first call then <paramref name="repeats"/> timed calls on each.
    /// <paramref name="tf32"/> sets cuDNN's TF32 switch for the device's calls (null keeps libtorch's default, which the notebooks get)
    /// and restores it afterwards. <paramref name="deviceMaps"/>, when given, receives the device's maps (N, L, D, on the CPU) before they are freed.
    /// </summary>
    public static DeviceComparisonResult Run(Func<Device, LoadedModel> loadModel, TimeSeriesDataset data, Device reference, Device device,
        int repeats = 5, bool? tf32 = null, Action<Tensor>? deviceMaps = null)
    {
        ArgumentNullException.ThrowIfNull(loadModel);
        ArgumentNullException.ThrowIfNull(data);
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be at least 1.");
        var (referenceTiming, referenceMaps, model) = Time(loadModel, data, reference, repeats);
        using (referenceMaps)
        {
            bool previous = torch.backends.cudnn.allow_tf32;
            if (tf32 is bool on)
            {
                torch.backends.cudnn.allow_tf32 = on;
                if (torch.backends.cudnn.allow_tf32 != on)
                {
                    torch.backends.cudnn.allow_tf32 = previous;
                    throw new InvalidOperationException(
                        $"cuDNN's TF32 switch did not take: set to {on}, this libtorch ({torch.__version__}) still reads {!on}. " +
                        "NVIDIA_TF32_OVERRIDE=0 in the environment turns TF32 off for the whole process instead.");
                }
            }
            try
            {
                bool inEffect = Tf32InEffect(device.type, torch.backends.cudnn.allow_tf32, Environment.GetEnvironmentVariable(Tf32OverrideVariable));
                var (deviceTiming, maps, _) = Time(loadModel, data, device, repeats);
                using (maps)
                {
                    deviceMaps?.Invoke(maps);
                    return new DeviceComparisonResult(data.Info.Name, model, data.N, data.L, (int)referenceMaps.shape[2], repeats, inEffect,
                        referenceTiming, deviceTiming, MapDifference.Between(referenceMaps, maps));
                }
            }
            finally
            {
                torch.backends.cudnn.allow_tf32 = previous;
            }
        }
    }

    /// <summary>NVIDIA's variable that, set to 0, keeps cuBLAS and cuDNN from using TF32 whatever libtorch's switches say.</summary>
    public const string Tf32OverrideVariable = "NVIDIA_TF32_OVERRIDE";

    /// <summary>Whether TF32 can round the convolutions: only on CUDA, with cuDNN's switch on and NVIDIA's override not set to 0.</summary>
    internal static bool Tf32InEffect(DeviceType device, bool cudnnSwitch, string? overrideValue) =>
        device == DeviceType.CUDA && cudnnSwitch && overrideValue?.Trim() != "0";

    /// <summary>Loads the model on <paramref name="device"/>, runs the step once (the first call) and <paramref name="repeats"/> times more; returns the first call's maps.</summary>
    private static (DeviceStepTiming Timing, Tensor Maps, string Model) Time(Func<Device, LoadedModel> loadModel, TimeSeriesDataset data, Device device, int repeats)
    {
        using var loaded = loadModel(device);
        var first = new GradCam(loaded).Attribute(data, device: device);
        var seconds = new List<double>(repeats);
        try
        {
            for (int r = 0; r < repeats; r++)
                using (var again = new GradCam(loaded).Attribute(data, device: device))
                    seconds.Add(again.Seconds);
        }
        catch
        {
            first.Dispose(); // a failed repeat (out of GPU memory, say) must not leave the first maps behind
            throw;
        }
        seconds.Sort();
        return (new DeviceStepTiming(device.ToString(), first.Route ?? "", first.Seconds, seconds[0], seconds[seconds.Count / 2]), first.Values, loaded.Path);
    }
}
