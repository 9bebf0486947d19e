using System.Globalization;
using System.Text;

namespace Saliency.Notebook.Data.Datasets.Readers;

/// <summary>
/// The UCR/UEA <c>.ts</c> format that aeon and sktime read (<c>load_from_tsfile</c>): '#' comments, header tags (case-insensitive:
/// <c>@problemName</c>, <c>@timeStamps</c>, <c>@missing</c>, <c>@univariate</c>, <c>@dimensions</c>, <c>@equalLength</c>,
/// <c>@seriesLength</c>, <c>@classLabel true A B …</c>), then <c>@data</c> and one series per line: the channels separated by ':',
/// their values by ',', the class label last. The kit needs equal-length series, values without '?' and no time stamps; the
/// classes of <c>@classLabel</c> are the dataset's classes, in that order.
/// </summary>
public sealed class TsFileReader : ITimeSeriesReader
{
    /// <inheritdoc/>
    public string Format => "ts";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".ts"];

    /// <inheritdoc/>
    public SeriesArrays Read(string path, DataFileOptions options)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        string[] lines = File.ReadAllLines(path, Encoding.UTF8);
        bool classLabel = false, inData = false;
        int? dimensions = null, seriesLength = null;
        string[]? declared = null;
        var values = new List<float>();
        var labels = new List<string>();
        int n = 0, length = -1, channels = -1, firstDataLine = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (!inData)
            {
                if (!line.StartsWith('@')) throw new DatasetException(path, $"line {lineNumber}: expected a header tag (@…) or @data before the data");
                string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                string tag = parts[0].ToLowerInvariant();
                string? argument = parts.Length > 1 ? parts[1].ToLowerInvariant() : null;
                switch (tag)
                {
                    case "@data":
                        if (!classLabel && options.LabelsPath is null)
                            throw new DatasetException(path, "the header has no '@classLabel true …' line and no labels file is given (--labels)");
                        inData = true;
                        firstDataLine = lineNumber;
                        break;
                    case "@timestamps" when argument == "true":
                        throw new DatasetException(path, $"line {lineNumber}: series with time stamps are not supported; write the values only (@timeStamps false)");
                    case "@equallength" when argument == "false":
                        throw new DatasetException(path, $"line {lineNumber}: unequal-length series (@equalLength false) are not supported; resample every series to one length first");
                    case "@targetlabel" when argument == "true":
                        throw new DatasetException(path, $"line {lineNumber}: a regression target (@targetLabel true) is not a class label; the kit needs classes");
                    case "@classlabel":
                        classLabel = argument == "true";
                        if (classLabel) declared = parts.Skip(2).ToArray();
                        break;
                    case "@dimensions":
                        dimensions = ParseCount(parts, path, lineNumber);
                        break;
                    case "@serieslength":
                        seriesLength = ParseCount(parts, path, lineNumber);
                        break;
                }
                continue;
            }

            string[] fields = line.Split(':');
            int valueFields = classLabel ? fields.Length - 1 : fields.Length;
            if (valueFields < 1) throw new DatasetException(path, $"line {lineNumber}: no values before the class label");
            if (channels < 0) channels = valueFields;
            if (valueFields != channels)
                throw new DatasetException(path, $"line {lineNumber}: {valueFields} dimension(s) but line {firstDataLine} has {channels}");
            if (dimensions is { } d && valueFields != d)
                throw new DatasetException(path, $"line {lineNumber}: {valueFields} dimension(s) but the header says @dimensions {d}");
            var series = new float[channels][];
            for (int ch = 0; ch < channels; ch++)
            {
                string[] cells = fields[ch].Split(',');
                if (length < 0) length = cells.Length;
                if (cells.Length != length)
                    throw new DatasetException(path, $"line {lineNumber}, dimension {ch}: {cells.Length} values but the first series has {length}; unequal-length series are not supported, resample every series to one length first");
                if (seriesLength is { } sl && cells.Length != sl)
                    throw new DatasetException(path, $"line {lineNumber}, dimension {ch}: {cells.Length} values but the header says @seriesLength {sl}");
                series[ch] = new float[length];
                for (int t = 0; t < length; t++)
                {
                    string cell = cells[t].Trim();
                    if (cell == "?") throw new DatasetException(path, $"line {lineNumber}, dimension {ch}, step {t}: missing value '?'");
                    if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                        throw new DatasetException(path, $"line {lineNumber}, dimension {ch}, step {t}: '{cell}' is not a number");
                    if (!double.IsFinite(v)) throw new DatasetException(path, $"line {lineNumber}, dimension {ch}, step {t}: non-finite value {cell} (NaN or Inf)");
                    series[ch][t] = (float)v;
                }
            }
            for (int t = 0; t < length; t++)
                for (int ch = 0; ch < channels; ch++)
                    values.Add(series[ch][t]);
            if (classLabel) labels.Add(fields[^1].Trim());
            n++;
        }
        if (!inData) throw new DatasetException(path, "no @data line");
        if (n == 0) throw new DatasetException(path, "no series after @data");
        string[] names = Enumerable.Range(0, channels).Select(ch => $"dim_{ch}").ToArray();
        return new SeriesArrays(values.ToArray(), n, length, channels, classLabel ? labels.ToArray() : null, names,
            declared is { Length: > 0 } ? declared : null, $".ts, {channels} dimension(s)");
    }

    private static int ParseCount(string[] parts, string path, int line) =>
        parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new DatasetException(path, $"line {line}: {parts[0]} needs a positive integer");
}
