using Saliency.Cli.Commands;

namespace Saliency.Notebook.Tests.Cli;

/// <summary><c>saliency evaluate</c> refuses bad input before any work: one line on stderr, exit 1, nothing written.</summary>
[Collection(CliLiveDisplayCollection.Name)]
public class EvaluateCommandTests
{
    [Fact]
    public void The_command_refuses_contradictory_or_missing_options_with_one_line_and_exit_1()
    {
        string dir = Directory.CreateTempSubdirectory("evaluate-cli-").FullName;
        try
        {
            (int Code, string Error) Run(params string[] args)
            {
                var error = new StringWriter();
                var old = Console.Error;
                Console.SetError(error);
                try { return (EvaluateCommand.Create().Parse(args).Invoke(), error.ToString()); }
                finally { Console.SetError(old); }
            }
            string output = Path.Combine(dir, "out");
            Assert.Equal((1, "saliency evaluate: --planted trains its own model: give no --checkpoint."), Trim(Run("--planted", "--checkpoint", "x.ckpt", "--out", output)));
            Assert.Contains("give --checkpoint FILE", Run("--dataset", "eog", "--out", output).Error);
            Assert.Contains("--fill must be road or a number", Run("--planted", "--fill", "zero", "--out", output).Error);
            Assert.Contains("--imputation-noise applies to --fill road only", Run("--planted", "--fill", "-1", "--imputation-noise", "0.1", "--out", output).Error);
            Assert.Contains("--dataset do not apply", Run("--planted", "--dataset", "eog", "--out", output).Error);
            Assert.Contains("The target must be pc1", Run("--planted", "--target", "latent", "--out", output).Error);
            Assert.False(Directory.Exists(output));
        }
        finally { Directory.Delete(dir, recursive: true); }

        static (int, string) Trim((int Code, string Error) r) => (r.Code, r.Error.Trim());
    }
}
