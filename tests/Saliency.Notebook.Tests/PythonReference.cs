using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Saliency.Notebook.Tests;

/// <summary>
/// Reference values computed by Debian's python3 with numpy, scipy, scikit-learn and PyTorch (installed by .ci/run): a test passes
/// its inputs as JSON, a snippet computes the reference with the library itself, and the result comes back as JSON. A missing
/// interpreter or module fails the test with python's own error; nothing is skipped.
/// </summary>
internal static class PythonReference
{
    /// <summary>Debian's interpreter (the python3 first on PATH may be a build without these modules).</summary>
    public const string Interpreter = "/usr/bin/python3";

    private const string Prelude = """
        import json, math, sys
        import numpy as np
        inp = json.load(sys.stdin)
        def _plain(o):
            if isinstance(o, np.ndarray): return _plain(o.tolist())
            if isinstance(o, (np.floating, float)):
                o = float(o)
                return o if math.isfinite(o) else None
            if isinstance(o, (np.integer,)): return int(o)
            if isinstance(o, (list, tuple)): return [_plain(v) for v in o]
            if isinstance(o, dict): return {k: _plain(v) for k, v in o.items()}
            return o

        """;

    /// <summary>
    /// Runs <paramref name="script"/> with <c>inp</c> bound to <paramref name="input"/> (as JSON; pass NaN as null and read it with
    /// <c>np.array(..., dtype=float)</c>) and returns what the script assigns
    /// to <c>out</c> (numpy arrays become nested lists, NaN and ±∞ become null).
    /// </summary>
    public static JsonElement Run(string script, object? input = null)
    {
        string code = Prelude + script + "\njson.dump(_plain(out), sys.stdout)\n";
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(code);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Interpreter} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(JsonSerializer.Serialize(input ?? new { }));
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Interpreter} failed (exit {process.ExitCode}); it needs python3-numpy, -scipy, -sklearn and -torch (.ci/run installs them):\n{stderr.Result}");
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }

    /// <summary>A JSON array of numbers (null = NaN) as doubles.</summary>
    public static double[] Doubles(JsonElement array) =>
        array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble()).ToArray();

    /// <summary>A JSON array of equal-length arrays as a matrix.</summary>
    public static double[,] Matrix(JsonElement rows)
    {
        var values = rows.EnumerateArray().Select(Doubles).ToArray();
        var matrix = new double[values.Length, values.Length == 0 ? 0 : values[0].Length];
        for (int i = 0; i < values.Length; i++)
            for (int j = 0; j < values[i].Length; j++) matrix[i, j] = values[i][j];
        return matrix;
    }

    /// <summary>A matrix as nested arrays for the input JSON.</summary>
    public static double[][] Rows(double[,] matrix) =>
        Enumerable.Range(0, matrix.GetLength(0)).Select(i => Enumerable.Range(0, matrix.GetLength(1)).Select(j => matrix[i, j]).ToArray()).ToArray();

    /// <summary>Asserts two matrices agree entry by entry within <paramref name="tolerance"/> (NaN only where NaN).</summary>
    public static void AssertClose(double[,] expected, double[,] actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                double e = expected[i, j], a = actual[i, j];
                Assert.True(double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(e - a) <= tolerance,
                    string.Create(CultureInfo.InvariantCulture, $"{what}[{i},{j}]: expected {e}, got {a}"));
            }
    }
}
