using System.CommandLine;
using Saliency.Cli.Commands;

// The `saliency` tool: a thin command line over the Saliency.Notebook library.
// Each command lives in Commands/ and only parses options, calls the library and prints.
var root = new RootCommand("Saliency.Notebook: global saliency maps for time-series autoencoders.")
{
    DoctorCommand.Create(),
    DataCommand.Create(),
    TrainCommand.Create(),
    EncodeCommand.Create(),
    PipelineCommand.Create(),
    ExplainCommand.Create(),
    SanityCommand.Create(),
    EvaluateCommand.Create(),
    BenchCommand.Create(),
    RunCommand.Create(),
    ReproduceCommand.Create(),
    PackCommand.Create(),
    ExportCommand.Create(),
};
return root.Parse(args).Invoke();
