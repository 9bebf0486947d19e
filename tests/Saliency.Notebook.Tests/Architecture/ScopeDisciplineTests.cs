using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Display;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.Models;
using Saliency.Notebook.Pipeline;
using Saliency.Notebook.SanityChecks;
using Saliency.Notebook.Tests.Data;
using Saliency.Notebook.Tests.Training;
using Saliency.Notebook.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Architecture;

/// <summary>
/// Every tensor the kit creates lives in a dispose scope, but the parameters and optimizer state of a model it builds. A
/// temporary outside a scope is owned by the garbage collector, and TorchSharp hands only its native handle to libtorch: a
/// collection during the native call can finalise the temporary while libtorch still reads it, and the process (the user's
/// kernel, the tool, the test host) dies with a segmentation fault in libtorch. <c>w.copy_(torch.tensor(…).view(…))</c> in a
/// loop beside a thread that collects crashes within 3 s on this machine; inside a scope it runs to the end. These tests run
/// what the notebooks and the tool run, on the caller's thread with no scope of the caller's, and count the tensors created
/// outside any scope (TorchSharp's per-thread <see cref="DisposeScopeManager.Statistics"/>).
/// </summary>
[Collection(GlobalTorchRandomness.Name)] // training and the sanity checks seed torch's global generator
public sealed class ScopeDisciplineTests(ITestOutputHelper output)
{
    private readonly List<string> _outside = [];

    /// <summary>Runs <paramref name="call"/> and notes how many tensors it created outside every dispose scope.</summary>
    private T Count<T>(string what, Func<T> call)
    {
        T result = default!;
        long created = Created(() => result = call());
        output.WriteLine($"{what}: {created} outside a scope");
        if (created != 0) _outside.Add($"{what}: {created}");
        return result;
    }

    /// <summary>How many tensors <paramref name="call"/> creates outside every dispose scope.</summary>
    private static long Created(Action call)
    {
        long before = DisposeScopeManager.Statistics.CreatedOutsideScopeCount;
        call();
        return DisposeScopeManager.Statistics.CreatedOutsideScopeCount - before;
    }

    private void AssertNoneOutside() =>
        Assert.True(_outside.Count == 0, "tensors created outside any dispose scope:\n" + string.Join("\n", _outside));

    private static TimeSeriesDataset Symbols() => DatasetRegistry.Load("symbols", TestData.DataDirectory);

    private static LoadedModel SymbolsModel(TimeSeriesDataset dataset) =>
        ModelStore.Load(Path.Combine(TestData.RepoRoot, "models", "symbols"), dataset.C, dataset.L, "symbols", CPU);

    [Fact]
    public void The_notebooks_steps_and_views_create_no_tensor_outside_a_scope()
    {
        using var dataset = Count("DatasetRegistry.Load", Symbols);
        using var model = SymbolsModel(dataset);
        Count("Views.Dataset", () => Views.Dataset(dataset).ToHtml());
        Count("Views.Model", () => Views.Model(model).ToHtml());

        using var means = Count("Encode", () => GlobalSaliencySteps.Encode(model.Model, dataset, CPU));
        Count("Views.PosteriorMeans", () => Views.PosteriorMeans(means).ToHtml());
        using var gradCam = Count("GradCam.Attribute", () => new GradCam(model).Attribute(dataset, device: CPU));
        Count("Views.GradCam", () => Views.Attribution(gradCam, dataset, 3).ToHtml());
        Count("Views.GradCam without data", () => Views.Attribution(gradCam).ToHtml());
        using var pca = Count("FitPca", () => GlobalSaliencySteps.FitPca(means, components: 2));
        Count("Views.LatentSpace", () => Views.LatentSpace(pca).ToHtml());
        using var projections = Count("Project", () => GlobalSaliencySteps.Project(gradCam, pca));
        Count("Views.Projection", () => Views.Projection(projections, dataset, 3).ToHtml());
        var maps = Count("BinMaps", () => GlobalSaliencySteps.BinMaps(dataset, projections, gridSize: 50, sigma: 5));
        Count("Views.GlobalMaps", () => Views.GlobalMaps(maps, dataset).ToHtml());
        var combined = Count("CombineMaps", () => GlobalSaliencySteps.CombineMaps(maps));
        Count("Views.CombinedMaps", () => Views.CombinedMaps(combined, dataset).ToHtml());
        var result = GlobalSaliencyResult.FromSteps(means, gradCam, pca, projections, maps);
        Count("Views.Timings", () => Views.Timings(result).ToHtml());
        Count("Views.KeptRemovedParts", () => Views.KeptRemovedParts(result, dataset).ToHtml());
        Count("Views.Brushing", () => Views.Brushing(result, dataset).ToHtml());
        Count("Views.LatentSpace of a result", () => Views.LatentSpace(result).ToHtml());
        Count("Views.GlobalMaps of a result", () => Views.GlobalMaps(result, dataset).ToHtml());

        using (var x = dataset.X.narrow(0, 0, 6))
        using (var directions = pca.Pca.ComponentsTensor())
        {
            foreach (var method in MethodRegistry.All)
                Count($"{method.Name} explainer", () => { using var map = method.Create(model.Model).Attribute(x, LatentTarget.AllDimensions, 32); return 0; });
            Count("GradCAM towards the PCA directions", () =>
            {
                using var map = new GradCam(model.Model, GradCam.PaperLayer).Attribute(x, LatentTarget.Directions(directions), 32);
                return 0;
            });
        }

        using var whole = Count("GlobalSaliencyPipeline.Run", () => GlobalSaliencyPipeline.Run(model.Model, dataset));
        Count("StreamingGlobalSaliency.Run", () => StreamingGlobalSaliency.Run(model.Model, ChunkedSeries.From(dataset, chunkSize: 500)));
        AssertNoneOutside();
    }

    [Fact]
    public void The_sanity_checks_create_no_tensor_outside_a_scope()
    {
        using var dataset = Symbols();
        using var model = SymbolsModel(dataset);
        var checkData = Count("SanityData", () => SanityData.From(dataset).Sample(12));
        foreach (var check in SanityCheckRegistry.All.Where(c => !c.NeedsBaselineModel))
        {
            var outcome = Count($"{check.Name} check", () => check.Run(new SanityCheckInputs { Model = model.Model, Data = checkData, Device = CPU }));
            Count($"Views.SanityCheck({check.Name})", () => Views.SanityCheck(outcome).ToHtml());
        }
        AssertNoneOutside();
    }

    [Fact]
    public void Data_of_ones_own_creates_no_tensor_outside_a_scope()
    {
        using var dataset = Symbols();
        using var dir = new TempFolder();
        string csv = dir.File("symbols.csv");
        SeriesExport.WideCsv(dataset, csv, (channel, t) => $"{(channel == 0 ? "x" : "y")}_{t}");
        using var fromCsv = Count("TimeSeriesFiles.Load", () => TimeSeriesFiles.Load(csv));
        using var fromArrays = Count("TimeSeriesDataset.FromArrays", () => TimeSeriesDataset.FromArrays(SeriesExport.Values(dataset), dataset.Labels));
        using var firstRows = dataset.X.narrow(0, 0, 64).permute(0, 2, 1);
        using var few = Count("TimeSeriesDataset.FromTensor", () => TimeSeriesDataset.FromTensor(firstRows, dataset.Labels.Take(64).ToArray()));
        using var model = SymbolsModel(dataset);
        Count("StreamingGlobalSaliency.Run on a .npy", () => StreamingGlobalSaliency.Run(model.Model, ChunkedSeries.FromNpy(
            DatasetRegistry.Symbols.PositionsPath(TestData.DataDirectory), DatasetRegistry.Symbols.LabelsPath(TestData.DataDirectory), chunkSize: 1000)));
        AssertNoneOutside();
    }

    /// <summary>
    /// Building a CVAE and its optimizer creates tensors outside scopes (TorchSharp's own layers initialise so, and the model's
    /// parameters must outlive any scope); training must add nothing to that, however many epochs and batches it runs.
    /// </summary>
    [Fact]
    public void Training_creates_outside_a_scope_only_what_building_its_model_and_optimizer_creates()
    {
        using var dataset = Symbols();
        using var firstRows = dataset.X.narrow(0, 0, 64).permute(0, 2, 1);
        using var few = TimeSeriesDataset.FromTensor(firstRows, dataset.Labels.Take(64).ToArray());
        var preset = TrainingPresets.For(few.Info, few.C, few.L);
        long building = Created(() =>
        {
            using var model = new CVAE(preset.Config);
            model.to(CPU);
            using var optimizer = optim.Adam(model.parameters().Where(p => p.requires_grad), lr: preset.Options.LearningRate);
        });
        Assert.True(building > 0, "building a CVAE and Adam created no tensor: the count does not work");
        foreach (int epochs in new[] { 1, 3 })
            Assert.Equal(building, Created(() => { using var model = new Trainer(preset.Config, preset.Options with { Epochs = epochs }, CPU).Train(few.X).Model; }));
        Assert.Equal(building, Created(() => { using var trained = TrainingDisplay.Train(few, 2, CPU, _ => _ => { }); }));
    }
}
