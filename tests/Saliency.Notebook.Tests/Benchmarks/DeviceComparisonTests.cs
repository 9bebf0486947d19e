using Saliency.Notebook.Benchmarks;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Benchmarks;

/// <summary>The device comparison's measure of difference, and its run of the notebook's GradCAM step (CPU against CPU here; CUDA on a GPU machine).</summary>
public class DeviceComparisonTests
{
    private static string Checkpoint(string dataset) => TestData.Checkpoint(dataset);

    [Fact]
    public void The_difference_of_hand_built_maps_has_the_exact_values()
    {
        using var reference = tensor(new float[] { 1, -2, 3, 4 }).reshape(1, 2, 2);
        using var maps = tensor(new float[] { 1, -1.5f, 3, 4.25f }).reshape(1, 2, 2);

        var d = MapDifference.Between(reference, maps);

        Assert.Equal(0.5, d.MaxAbsolute);
        Assert.Equal(4, d.MaxReference);
        Assert.Equal(0.125, d.MaxRelative);
        Assert.Equal(0.75 / 10, d.RelativeL1, 15);
        Assert.Equal(new MapDifference(0, 0, 0), MapDifference.Between(zeros(2, 3), zeros(2, 3)));
        Assert.Equal(0, new MapDifference(0, 0, 0).MaxRelative);
        Assert.Throws<ArgumentException>(() => MapDifference.Between(reference, zeros(1, 2, 3)));
    }

    [Theory]
    [InlineData(DeviceType.CUDA, true, null, true)]     // libtorch's default on a GPU: the notebooks' case
    [InlineData(DeviceType.CUDA, true, "1", true)]
    [InlineData(DeviceType.CUDA, true, "0", false)]     // NVIDIA_TF32_OVERRIDE=0 wins over the switch (the GPU check's TF32-off run)
    [InlineData(DeviceType.CUDA, true, " 0 ", false)]
    [InlineData(DeviceType.CUDA, false, null, false)]
    [InlineData(DeviceType.CPU, true, null, false)]
    public void Tf32_is_in_effect_only_on_cuda_with_the_switch_on_and_no_override(DeviceType device, bool cudnnSwitch, string? overrideValue, bool expected)
    {
        Assert.Equal(expected, DeviceComparison.Tf32InEffect(device, cudnnSwitch, overrideValue));
    }

    [Fact]
    public void Cpu_against_cpu_gives_the_steps_own_maps_with_no_difference_and_restores_the_tf32_switch()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        var loads = new List<string>();
        Tensor? saved = null;
        bool before = torch.backends.cudnn.allow_tf32;
        bool? during = null;

        var result = DeviceComparison.Run(device =>
        {
            loads.Add(device.ToString());
            return ModelStore.Load(Checkpoint("symbols"), data.C, data.L, "symbols", device);
        }, data, CPU, CPU, repeats: 2, tf32: !before, deviceMaps: maps => (saved, during) = (maps.clone(), torch.backends.cudnn.allow_tf32));

        using var loaded = ModelStore.Load(Checkpoint("symbols"), data.C, data.L, "symbols");
        using var direct = new Saliency.Notebook.Explainers.GradCam(loaded).Attribute(data);
        Assert.Equal(new[] { "cpu", "cpu" }, loads);
        Assert.NotNull(saved);
        Assert.True(saved!.allclose(direct.Values, rtol: 0, atol: 0));
        Assert.Equal(new MapDifference(0, direct.Values.max().item<float>(), 0), result.Difference);
        Assert.Equal((1100, 60, 16, 2), (result.Samples, result.Length, result.LatentDim, result.Repeats));
        Assert.False(result.Tf32); // TF32 is a CUDA matter: never in effect on the CPU, whatever the switch
        Assert.Equal(!before, during);
        Assert.Equal(before, torch.backends.cudnn.allow_tf32);
        Assert.Equal(direct.Route, result.Device.Path);
        Assert.All(new[] { result.Reference, result.Device }, t => Assert.True(t.FirstSeconds > 0 && t.BestSeconds > 0 && t.BestSeconds <= t.MedianSeconds));
        Assert.Equal(result.Reference.BestSeconds / result.Device.BestSeconds, result.Speedup);
        saved.Dispose();
    }

    [Fact]
    public void A_device_whose_maps_differ_is_measured_as_the_difference_of_the_two_steps()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        string kitModel = Path.Combine(TestData.RepoRoot, "models", "symbols");
        int calls = 0;

        var result = DeviceComparison.Run(device => ModelStore.Load(calls++ == 0 ? Checkpoint("symbols") : kitModel, data.C, data.L, "symbols", device),
            data, CPU, CPU, repeats: 1);

        using var original = ModelStore.Load(Checkpoint("symbols"), data.C, data.L, "symbols");
        using var kit = ModelStore.Load(kitModel, data.C, data.L, "symbols");
        using var originalMaps = new Saliency.Notebook.Explainers.GradCam(original).Attribute(data);
        using var kitMaps = new Saliency.Notebook.Explainers.GradCam(kit).Attribute(data);
        Assert.Equal(MapDifference.Between(originalMaps.Values, kitMaps.Values), result.Difference);
        Assert.True(result.Difference.MaxRelative > DeviceComparison.DefaultTolerance(tf32: true));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceComparison.Run(d => ModelStore.Load(Checkpoint("symbols"), d), data, CPU, CPU, repeats: 0));
        Assert.Throws<ArgumentNullException>(() => DeviceComparison.Run(null!, data, CPU, CPU));
    }
}
