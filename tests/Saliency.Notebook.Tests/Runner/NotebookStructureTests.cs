using System.Text.Json.Nodes;

namespace Saliency.Notebook.Tests.Runner;

/// <summary>
/// The paper notebooks as committed teach the method one step per cell: every code cell sits under a markdown lead, the six
/// steps of <c>GlobalSaliencySteps</c> come in the paper's order each in its own cell under a "Step k" lead, training and each
/// sanity check have a cell of their own, and no cell hides the method in the one-call pipeline.
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

    private static List<(string Type, string Source)> Cells(string dataset)
    {
        string path = Path.Combine(TestData.RepoRoot, "notebooks", dataset, dataset + ".ipynb");
        JsonObject notebook = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return notebook["cells"]!.AsArray().Select(c => c!.AsObject())
            .Select(c => ((string)c["cell_type"]!, c["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)c["source"] ?? ""))
            .ToList();
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_code_cell_has_a_markdown_lead_that_says_what_it_does(string dataset)
    {
        var cells = Cells(dataset);
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
    public void Each_notebook_opens_with_a_mermaid_diagram_of_its_six_steps_and_then_brings_the_kit_from_its_own_feed(string dataset)
    {
        var cells = Cells(dataset);
        Assert.Equal("code", cells[1].Type);
        Assert.StartsWith("#!mermaid\nflowchart", cells[1].Source);
        for (int step = 1; step <= 6; step++) Assert.Contains($"\"{step} · ", cells[1].Source);
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
}
