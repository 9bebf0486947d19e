using System.CommandLine;
using System.Globalization;
using Microsoft.Data.Analysis;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Fetch;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.IO;
using Spectre.Console;

namespace Saliency.Cli.Commands;

/// <summary><c>saliency data</c>: fetch and verify the paper's data, inspect a .npy file, print dataset summaries.</summary>
public static class DataCommand
{
    public static Command Create() => new("data", "The paper's datasets: fetch them, inspect .npy files, summarise.")
    {
        CreateFetch(),
        CreateInspect(),
        CreateSummary(),
    };

    private static Option<string?> DataOption() =>
        new("--data") { Description = "data directory (default: <repo root>/data, the repo root being the folder holding Saliency.slnx)" };

    private static Command CreateFetch()
    {
        var mirror = new Option<string?>("--mirror") { Description = $"local folder with the same layout to copy from (default: {DataFetcher.MirrorVariable})" };
        var data = DataOption();
        var baseUrl = new Option<string?>("--base-url") { Description = $"upstream base URL (default: {DataFetcher.BaseUrlVariable} or the original repository at commit 87f42d9)" };
        var command = new Command("fetch", "Put the 11 data files into the data directory, verified by SHA-256 (copy from a mirror or download).") { mirror, data, baseUrl };
        command.SetAction(parse => CommandRunner.Run("data", () =>
        {
            string directory = parse.GetValue(data) ?? DataPaths.DefaultDataDirectory();
            FetchReport report = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn())
                .Start(ctx =>
                {
                    var tasks = DataFetcher.Manifest.ToDictionary(f => f.RelativePath, f => ctx.AddTask(Markup.Escape(f.RelativePath), autoStart: false, maxValue: f.Bytes));
                    var progress = new SynchronousProgress<FetchProgress>(p =>
                    {
                        ProgressTask task = tasks[p.File.RelativePath];
                        if (!task.IsStarted) task.StartTask();
                        task.Value = p.BytesDone;
                        if (p.Stage == FetchStage.Done) task.StopTask();
                    });
                    report = DataFetcher.Fetch(directory, parse.GetValue(mirror), parse.GetValue(baseUrl), progress);
                });
            var table = new Table().AddColumns("file", "bytes", "status");
            foreach (FetchedFile f in report.Files)
            {
                string status = f.Source switch
                {
                    FetchSource.AlreadyPresent => "already present",
                    FetchSource.Mirror => f.ReplacedWrongFile ? "replaced (mirror)" : "copied (mirror)",
                    _ => f.ReplacedWrongFile ? "replaced (download)" : "downloaded",
                };
                table.AddRow(Markup.Escape(f.File.RelativePath), f.File.Bytes.ToString(CultureInfo.InvariantCulture), status);
            }
            AnsiConsole.Write(table);
            foreach (string origin in report.Files.Where(f => f.Source != FetchSource.AlreadyPresent)
                         .Select(f => f.Origin[..^f.File.RelativePath.Length]).Distinct())
                Console.WriteLine($"from {origin}");
            Console.WriteLine($"{report.DataDirectory}: {report.FetchedCount} fetched, {report.AlreadyPresentCount} already present, all {report.Files.Count} verified (SHA-256)");
        }));
        return command;
    }

    private static Command CreateInspect()
    {
        var file = new Argument<string>("file") { Description = "a .npy file" };
        var command = new Command("inspect", "Print a .npy file's dtype, shape, order and byte order; for 1-D arrays, the distinct values with counts.") { file };
        command.SetAction(parse => CommandRunner.Run("data", () =>
        {
            string path = parse.GetValue(file)!;
            NpyHeader header = NpyReader.ReadHeader(path);
            NpyArray array = NpyReader.Read(path);
            Console.WriteLine($"file        {path}");
            Console.WriteLine($"format      {header.Version}.{header.MinorVersion} (data at byte {header.DataOffset})");
            Console.WriteLine($"dtype       {array.Descr} ({array.DType.Kind})");
            Console.WriteLine($"shape       {array.ShapeText}");
            Console.WriteLine($"order       {(array.FortranOrder ? "Fortran" : "C")}");
            Console.WriteLine($"byte order  {ByteOrderName(array.DType)}");
            if (array.Rank == 1)
            {
                Console.WriteLine("values      (numpy.unique order)");
                foreach ((string value, int count) in DistinctCounts(array))
                    Console.WriteLine($"  {value}: {count}");
            }
            else if (array.DType.Kind is not (NpyKind.Unicode or NpyKind.Object) && array.Length > 0)
            {
                double[] values = array.ToDoubleArray();
                double[] finite = values.Where(double.IsFinite).ToArray();
                Console.WriteLine($"non-finite  {values.Length - finite.Length}");
                if (finite.Length > 0)
                    Console.WriteLine(FormattableString.Invariant($"range       [{finite.Min():G6}, {finite.Max():G6}], mean {finite.Average():G6}"));
            }
            return 0;
        }));
        return command;
    }

    private static Command CreateSummary()
    {
        var dataset = new Option<string?>("--dataset") { Description = $"one of {string.Join(", ", DatasetRegistry.All.Select(d => d.Name))} (default: all)" };
        var data = DataOption();
        var command = new Command("summary", "Print, per dataset, the label counts and per-channel mean/min/max.") { dataset, data };
        command.SetAction(parse => CommandRunner.Run("data", () =>
        {
            string directory = parse.GetValue(data) ?? DataPaths.DefaultDataDirectory();
            string? name = parse.GetValue(dataset);
            IEnumerable<DatasetInfo> infos = name is null ? DatasetRegistry.All : [DatasetRegistry.Get(name)];
            foreach (DatasetInfo info in infos)
            {
                using TimeSeriesDataset d = info.Load(directory);
                Console.WriteLine($"{info.Name}: X (N, C, L) = ({d.N}, {d.C}, {d.L}), channels {string.Join(", ", info.ChannelNames)}; {info.Description}");
                AnsiConsole.Write(ToTable(d.Summary()));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>A frame as a console table, doubles to 4 decimals.</summary>
    private static Table ToTable(DataFrame frame)
    {
        var table = new Table();
        foreach (DataFrameColumn column in frame.Columns)
            table.AddColumn(new TableColumn(Markup.Escape(column.Name)) { Alignment = column is StringDataFrameColumn ? Justify.Left : Justify.Right });
        foreach (DataFrameRow row in frame.Rows)
        {
            table.AddRow(row.Select(cell => Markup.Escape(cell switch
            {
                double v => v.ToString("F4", CultureInfo.InvariantCulture),
                null => "",
                _ => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
            })).ToArray());
        }
        return table;
    }

    /// <summary>Distinct values of a 1-D array with counts, sorted as numpy.unique sorts them (ordinal for strings, numeric otherwise).</summary>
    private static IEnumerable<(string Value, int Count)> DistinctCounts(NpyArray array)
    {
        if (array.DType.Kind is NpyKind.Unicode or NpyKind.Object)
        {
            return array.ToStringArray().GroupBy(s => s, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => ($"'{g.Key}'", g.Count()));
        }
        return array.ToDoubleArray().GroupBy(v => v)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key.ToString("R", CultureInfo.InvariantCulture), g.Count()));
    }

    private static string ByteOrderName(NpyDType dtype) => dtype.ByteOrder switch
    {
        '<' => "little-endian (<)",
        '>' => "big-endian (>)",
        _ => "not applicable (|)",
    };
}
