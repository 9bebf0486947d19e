using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Explainers;
using Saliency.Notebook.IO;
using Saliency.Notebook.SanityChecks;

namespace Saliency.Notebook.Tests.IO;

/// <summary>The three registries look names up one way and fail one way.</summary>
public class RegistryTests
{
    [Fact]
    public void Names_are_found_case_insensitively_and_an_unknown_name_lists_the_known_ones()
    {
        Assert.Same(MethodRegistry.IntegratedGradients, MethodRegistry.Get(" IG "));
        Assert.Equal("randomisation", SanityCheckRegistry.Get("Randomisation").Name);
        Assert.Same(DatasetRegistry.AircraftFlyover, DatasetRegistry.Get("aircraft_flyover"));
        foreach (var (kind, lookup, known) in new (string, Action, string)[]
                 {
                     ("method", () => MethodRegistry.Get("occlusion"), "gradcam, gradslam"),
                     ("check", () => SanityCheckRegistry.Get("occlusion"), "global-masking, local-masking"),
                     ("dataset", () => DatasetRegistry.Get("occlusion"), "symbols, eog"),
                 })
        {
            var error = Assert.Throws<ArgumentException>(lookup);
            Assert.StartsWith($"Unknown {kind} 'occlusion'; known: {known}", error.Message);
        }
        Assert.Equal(["b"], new[] { Registry.Find(["a", "b"], s => s, "B", "letter") });
    }
}
