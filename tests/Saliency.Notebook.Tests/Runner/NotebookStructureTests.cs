using System.Text.Json.Nodes;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The paper notebooks as committed teach the method one step per cell: every code cell sits under a markdown lead, the six
/// steps of <c>GlobalSaliencySteps</c> come in the paper's order each in its own cell under a "Step k" lead, training and each
/// sanity check have a cell of their own, and no cell hides the method in the one-call pipeline. The methods notebooks
/// (symbols and eog) open the same way, give each of the eight methods a cell under a lead with its formula, then all methods'
/// maps side by side, then each sanity check in a cell of its own.
/// </summary>
public class NotebookStructureTests
{
    /// <summary>The call of each step: step 2 is the GradCAM explainer bound to the model, the others the method's step calls.</summary>
    private static readonly string[] Steps =
    {
        "GlobalSaliencySteps.Encode(", "new GradCam(", "GlobalSaliencySteps.FitPca(", "GlobalSaliencySteps.Project(",
        "GlobalSaliencySteps.BinMaps(", "GlobalSaliencySteps.CombineMaps(",
    };

    public static TheoryData<string> Notebooks => new() { "symbols", "eog", "aircraft", "aircraft-flyover" };

    /// <summary>The datasets with a methods notebook (the authors' checkpoints).</summary>
    public static TheoryData<string> MethodNotebooks => new() { "symbols", "eog" };

    /// <summary>Every notebook, as dataset/name: the paper notebooks and the methods notebooks.</summary>
    public static TheoryData<string> AllNotebooks => new() { "symbols/symbols", "eog/eog", "aircraft/aircraft", "aircraft-flyover/aircraft-flyover", "symbols/methods", "eog/methods" };

    /// <summary>Each method's explainer as the methods notebooks construct it, in the registry's order.</summary>
    private static readonly string[] MethodConstructors =
    {
        "new GradCam(", "new GradSlam(", "new VanillaGradient(", "new GradientTimesInput(", "new GuidedBackprop(",
        "new IntegratedGradients(", "new FourierIntegratedGradients(", "new ComplexStepAttribution(",
    };

    /// <summary>The checks a methods notebook runs, each in its own cell.</summary>
    private static readonly string[] MethodNotebookChecks = { "single-class", "translation", "corruption", "randomisation", "local-masking", "global-masking" };

    private static List<(string Type, string Source)> Cells(string dataset) => CellsOf(dataset + "/" + dataset);

    /// <summary>The cells of notebooks/<paramref name="name"/>.ipynb (name = dataset/notebook).</summary>
    private static List<(string Type, string Source)> CellsOf(string name)
    {
        string path = Path.Combine(TestData.RepoRoot, "notebooks", name + ".ipynb");
        JsonObject notebook = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return notebook["cells"]!.AsArray().Select(c => c!.AsObject())
            .Select(c => ((string)c["cell_type"]!, c["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)c["source"] ?? ""))
            .ToList();
    }

    [Theory]
    [MemberData(nameof(AllNotebooks))]
    public void Every_code_cell_has_a_markdown_lead_that_says_what_it_does(string dataset)
    {
        var cells = CellsOf(dataset);
        Assert.Equal("markdown", cells[0].Type);
        for (int i = 1; i < cells.Count; i++)
        {
            if (cells[i].Type != "code") continue;
            Assert.True(cells[i - 1].Type == "markdown", $"{dataset}: code cell {i} ({cells[i].Source.Split('\n')[0]}) has no markdown lead");
            if (i == 1) continue;                                                        // the diagram of the steps sits under the title
            string lead = cells[i - 1].Source;
            Assert.StartsWith("## ", lead);
            Assert.True(lead.Split('\n').Skip(1).Any(line => line.Trim().Length > 20), $"{dataset}: the lead of code cell {i} is only a heading");
        }
        Assert.True(cells.Count(c => c.Type == "code") >= 14, $"{dataset}: too few cells for one step per cell");
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void The_six_steps_come_in_the_papers_order_each_in_its_own_cell(string dataset)
    {
        var cells = Cells(dataset);
        int previous = -1;
        for (int k = 0; k < Steps.Length; k++)
        {
            string call = Steps[k];
            var holding = Enumerable.Range(0, cells.Count).Where(i => cells[i].Type == "code" && cells[i].Source.Contains(call, StringComparison.Ordinal)).ToList();
            int cell = Assert.Single(holding);
            Assert.True(cell > previous, $"{dataset}: step {k + 1} ({Steps[k]}) comes before step {k}");
            foreach (string other in Steps.Where((_, j) => j != k))
                Assert.False(cells[cell].Source.Contains(other, StringComparison.Ordinal), $"{dataset}: the cell of step {k + 1} also runs {other}");
            Assert.StartsWith($"## Step {k + 1} · ", cells[cell - 1].Source);
            previous = cell;
        }
        Assert.DoesNotContain(cells, c => c.Type == "code" && c.Source.Contains("GlobalSaliencyPipeline.Run(", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Each_paper_notebooks_diagram_shows_its_six_steps(string dataset)
    {
        string diagram = Cells(dataset)[1].Source;
        for (int step = 1; step <= 6; step++) Assert.Contains($"\"{step} · ", diagram);
    }

    [Theory]
    [MemberData(nameof(AllNotebooks))]
    public void Each_notebook_opens_with_a_mermaid_diagram_and_then_brings_the_kit_from_its_own_feed(string notebook)
    {
        var cells = CellsOf(notebook);
        Assert.Equal("code", cells[1].Type);
        Assert.StartsWith("#!mermaid\nflowchart", cells[1].Source);
        Assert.Contains("sanity checks", cells[1].Source);
        Assert.DoesNotContain(cells, c => c.Type == "code" && c.Source.StartsWith("#!javascript", StringComparison.Ordinal));   // they time out headless
        int kit = cells.FindIndex(c => c.Type == "code" && c.Source.StartsWith("#r \"nuget: Saliency.Notebook", StringComparison.Ordinal));
        Assert.Equal(5, kit);
        // The cell before the kit's #r makes notebooks/nuget.config NuGet's only configuration (DependencyConfusionTests).
        Assert.Contains("SetEnvironmentVariable(\"RestoreConfigFile\"", cells[3].Source);
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Training_and_each_sanity_check_have_a_cell_of_their_own(string dataset)
    {
        var code = Cells(dataset).Where(c => c.Type == "code").Select(c => c.Source).ToList();
        string training = Assert.Single(code, source => source.Contains("TrainingDisplay.Train(", StringComparison.Ordinal));
        Assert.DoesNotContain("GlobalSaliencySteps.", training);
        Assert.DoesNotContain("ModelStore.Load(", training);
        var checks = code.Where(source => source.Contains("SanityCheckRegistry.Get(", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(checks);
        Assert.All(checks, source => Assert.Equal(1, source.Split("SanityCheckRegistry.Get(").Length - 1));
        Assert.All(checks, source => Assert.DoesNotContain("GlobalSaliencySteps.", source));
    }

    [Theory]
    [MemberData(nameof(MethodNotebooks))]
    public void A_methods_notebook_gives_each_method_a_cell_under_a_lead_with_its_formula_then_all_maps_side_by_side(string dataset)
    {
        var cells = CellsOf(dataset + "/methods");
        int previous = -1;
        foreach (string constructor in MethodConstructors)
        {
            int cell = Assert.Single(Enumerable.Range(0, cells.Count), i => cells[i].Type == "code" && cells[i].Source.Contains(constructor, StringComparison.Ordinal));
            Assert.True(cell > previous, $"{dataset}: {constructor} comes out of the registry's order");
            foreach (string other in MethodConstructors.Where(c => c != constructor))
                Assert.DoesNotContain(other, cells[cell].Source);
            Assert.Contains("Attribute(explained", cells[cell].Source);                 // every method on the same series
            Assert.Contains(" = ", cells[cell - 1].Source);                             // the lead gives the method's formula
            previous = cell;
        }
        Assert.Contains("Views.Completeness(ig)", cells.Single(c => c.Source.Contains("new IntegratedGradients(", StringComparison.Ordinal)).Source);
        Assert.Contains("Views.Completeness(fourierIg)", cells.Single(c => c.Source.Contains("new FourierIntegratedGradients(", StringComparison.Ordinal)).Source);
        Assert.Contains("Views.Agreement(csda, gradient)", cells.Single(c => c.Source.Contains("new ComplexStepAttribution(", StringComparison.Ordinal)).Source);
        int side = Assert.Single(Enumerable.Range(0, cells.Count), i => cells[i].Type == "code" && cells[i].Source.Contains("MethodComparison.Maps(", StringComparison.Ordinal));
        Assert.True(side > previous, $"{dataset}: the side-by-side maps come before a method's own cell");
        foreach (string variable in new[] { "gradcam", "gradslam", "gradient", "gradxinput", "guided", "ig", "fourierIg", "csda" })
            Assert.Contains(variable, cells[side].Source);
        Assert.Contains("Views.MethodMaps(", cells[side].Source);
    }

    [Theory]
    [MemberData(nameof(MethodNotebooks))]
    public void A_methods_notebook_runs_each_sanity_check_in_a_cell_of_its_own_after_the_methods(string dataset)
    {
        var cells = CellsOf(dataset + "/methods");
        int side = cells.FindIndex(c => c.Source.Contains("MethodComparison.Maps(", StringComparison.Ordinal));
        foreach (string check in MethodNotebookChecks)
        {
            int cell = Assert.Single(Enumerable.Range(0, cells.Count), i => cells[i].Type == "code" && cells[i].Source.Contains($"SanityCheckRegistry.Get(\"{check}\")", StringComparison.Ordinal));
            Assert.True(cell > side, $"{dataset}: check {check} runs before the methods");
            Assert.Equal(1, cells[cell].Source.Split("SanityCheckRegistry.Get(").Length - 1);
            Assert.Contains("Views.SanityCheck(", cells[cell].Source);
            Assert.StartsWith("## Sanity check: ", cells[cell - 1].Source);
        }
        // The randomisation check compares methods: it runs with its default, every method of the registry, at once.
        string randomisation = cells.Single(c => c.Source.Contains("Get(\"randomisation\")", StringComparison.Ordinal)).Source;
        Assert.DoesNotContain("Methods =", randomisation);
    }
}
