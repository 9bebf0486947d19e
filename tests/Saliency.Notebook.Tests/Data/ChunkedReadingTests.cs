using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Data.Npy;
using static TorchSharp.torch;

namespace Saliency.Notebook.Tests.Data;

/// <summary>Reading .npy files of any size in rows at 64-bit offsets, writing them row block by row block, and chunked sources.</summary>
public class ChunkedReadingTests
{
    [Theory]
    [InlineData("symbols/augmented_symbols.npy", 7)]        // <f8 (1100, 60, 2)
    [InlineData("aircraft/positions.npy", 256)]             // <f4 (900, 200, 2)
    public void Rows_read_in_chunks_equal_the_whole_file(string file, int chunk)
    {
        string path = Path.Combine(TestData.DataDirectory, file);
        var whole = NpyReader.Read(path).ToSingleArray();
        using var reader = new NpyChunkReader(path);
        var buffer = new float[chunk * reader.RowElements];
        for (long first = 0; first < reader.Rows; first += chunk)
        {
            int count = (int)Math.Min(chunk, reader.Rows - first);
            reader.ReadRows(first, count, buffer);
            Assert.True(buffer.AsSpan(0, (int)(count * reader.RowElements)).SequenceEqual(whole.AsSpan((int)(first * reader.RowElements), (int)(count * reader.RowElements))), $"rows {first}..");
        }
    }

    [Fact]
    public void Row_offsets_past_two_gigabytes_are_64_bit()
    {
        // (2,700,000, 200, 1) float32 after a 128-byte header: the last row starts at 2,159,999,328 > 2³¹ − 1.
        long offset = NpyChunkReader.RowOffset(128, 2_699_999, 200, 4);
        Assert.Equal(128 + 2_699_999L * 800, offset);
        Assert.True(offset > int.MaxValue);
        Assert.Throws<OverflowException>(() => NpyChunkReader.RowOffset(128, long.MaxValue / 100, 200, 4));
    }

    [Fact]
    public void A_sparse_file_larger_than_two_gigabytes_is_read_at_its_end_and_across_the_2_gb_boundary()
    {
        const long rows = 2_700_000, length = 200;                        // 2.16 GB of float32: only the written pages take disk space
        string path = Path.Combine(Path.GetTempPath(), $"sparse-{Guid.NewGuid():N}.npy");
        try
        {
            byte[] header = NpyWriter.ToBytes(NpyKind.Float32, [], 0, length, 1)[..128];
            var text = System.Text.Encoding.ASCII.GetString(header).Replace("(0, 200, 1)", $"({rows}, 200, 1)");
            long boundaryRow = (int.MaxValue - 128L) / (length * 4);       // the row that holds byte 2³¹ − 1
            using (var file = new FileStream(path, FileMode.CreateNew))
            {
                var fixedHeader = System.Text.Encoding.ASCII.GetBytes(text.PadRight(127)[..127] + "\n");
                fixedHeader[0] = 0x93;
                file.Write(fixedHeader);
                file.SetLength(128 + rows * length * 4);
                foreach (long row in new[] { boundaryRow, rows - 1 })
                {
                    file.Position = 128 + row * length * 4;
                    for (int t = 0; t < length; t++) file.Write(BitConverter.GetBytes((float)(row % 1000 + t * 0.5)));
                }
            }
            Assert.True(new FileInfo(path).Length > (1L << 31));
            using var reader = new NpyChunkReader(path);
            Assert.Equal(rows, reader.Rows);
            var values = new float[2 * length];
            foreach (long row in new[] { boundaryRow, rows - 1 })
            {
                reader.ReadRows(row, 1, values);
                for (int t = 0; t < length; t++) Assert.Equal((float)(row % 1000 + t * 0.5), values[t]);
            }
            reader.ReadRows(boundaryRow + 1, 2, values);                   // untouched rows read as zeros
            Assert.All(values, v => Assert.Equal(0f, v));
            var e = Assert.Throws<NpyFormatException>(() => NpyReader.Read(path));
            Assert.Contains("NpyChunkReader", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Streamed_array_is_whole_or_absent()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"stream-{Guid.NewGuid():N}");
        try
        {
            using var scope = NewDisposeScope();
            var data = arange(0, 5 * 3 * 2, dtype: ScalarType.Float32).view(5, 3, 2);
            using (var writer = new NpyStreamWriter(Path.Combine(dir, "a.npy"), 3, 2))
            {
                writer.Append(data.narrow(0, 0, 2));
                writer.Append(data.narrow(0, 2, 3));
                Assert.Empty(Directory.GetFiles(dir, "a.npy"));
                writer.Complete();
            }
            var read = PythonReference.Run("a = np.load(inp['path']); out = {'shape': list(a.shape), 'dtype': str(a.dtype), 'values': a.ravel()}",
                new { path = Path.Combine(dir, "a.npy") });
            Assert.Equal(new[] { 5.0, 3, 2 }, PythonReference.Doubles(read.GetProperty("shape")));
            Assert.Equal("float32", read.GetProperty("dtype").GetString());
            Assert.Equal(Enumerable.Range(0, 30).Select(i => (double)i), PythonReference.Doubles(read.GetProperty("values")));
            using (var abandoned = new NpyStreamWriter(Path.Combine(dir, "b.npy"), 3, 2)) abandoned.Append(data);
            Assert.Equal(["a.npy"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_npy_source_gives_the_datasets_samples_and_labels_in_chunks_on_every_pass()
    {
        using var data = DatasetRegistry.Load("eog", TestData.DataDirectory);
        var info = data.Info;
        var source = ChunkedSeries.FromNpy(info.PositionsPath(TestData.DataDirectory), info.LabelsPath(TestData.DataDirectory), chunkSize: 128);
        Assert.Equal((1, 200, 990L), (source.Channels, source.Length, source.Count!.Value));
        for (int pass = 0; pass < 2; pass++)
        {
            int first = 0;
            foreach (var chunk in source.Chunks())
                using (chunk)
                {
                    using var expected = data.X.narrow(0, first, chunk.Count);
                    Assert.True(chunk.X.allclose(expected, rtol: 0, atol: 0));
                    Assert.Equal(data.Labels.Skip(first).Take(chunk.Count), chunk.Labels);
                    first += chunk.Count;
                }
            Assert.Equal(990, first);
        }
    }
}
