namespace Saliency.Notebook.Tests.Training;

/// <summary>
/// Tests that compare seeded runs: training draws from torch's process-wide generator (manual_seed per epoch), so these tests run
/// alone, after the parallel ones, where no other test can draw from it in between.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchRandomness
{
    public const string Name = "global torch randomness";
}
