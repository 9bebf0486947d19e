// This file is compiled twice: into the library (runtime patching for hosts that `#r` the kit) and, as the
// source of an MSBuild inline task, by build/LibTorchSharpCompat.targets (patching build and publish outputs).
// Keep it free of dependencies beyond the BCL. Written by hand: no maintained .NET package edits ELF
// version-requirement flags.
#nullable enable
using System;
using System.IO;
using System.Text;

namespace Saliency.Notebook.Native
{
    /// <summary>
    /// Marks one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK) so that
    /// glibc loads it although the system library lacks that version. TorchSharp 0.107.0's
    /// libLibTorchSharp.so asks for GLIBCXX_3.4.32 only for the never-called marker
    /// <c>_ZSt21ios_base_library_initv</c>; Debian 12's libstdc++ stops at 3.4.30.
    /// </summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary>The version TorchSharp 0.107.0 needs and Debian 12 lacks.</summary>
        public const string LibStdCxxVersion = "GLIBCXX_3.4.32";

        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>Outcome of <see cref="MarkWeak"/>.</summary>
        public enum Result
        {
            /// <summary>The flag was set and the file rewritten.</summary>
            Patched,
            /// <summary>The flag was already set: nothing written.</summary>
            AlreadyWeak,
            /// <summary>The library does not require that version: nothing written.</summary>
            NotRequired,
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement named <paramref name="versionName"/> in the
        /// .gnu.version_r section of <paramref name="path"/>. The file is rewritten atomically
        /// (a temporary file then a rename), so a crash never leaves a half-patched library.
        /// </summary>
        public static Result MarkWeak(string path, string versionName = LibStdCxxVersion)
        {
            byte[] elf = File.ReadAllBytes(path);
            int flagsOffset = FindVernauxFlagsOffset(elf, versionName, path);
            if (flagsOffset < 0) return Result.NotRequired;
            ushort flags = BitConverter.ToUInt16(elf, flagsOffset);
            if ((flags & VerFlgWeak) != 0) return Result.AlreadyWeak;
            flags |= VerFlgWeak;
            elf[flagsOffset] = (byte)(flags & 0xff);
            elf[flagsOffset + 1] = (byte)(flags >> 8);
            string tmp = path + ".patching";
            File.WriteAllBytes(tmp, elf);
            File.Replace(tmp, path, null); // a rename over the original (netstandard, for the inline task, has no File.Move overwrite)
            return Result.Patched;
        }

        /// <summary>True when the ELF file at <paramref name="path"/> requires <paramref name="versionName"/> non-weakly.</summary>
        public static bool RequiresStrongly(string path, string versionName = LibStdCxxVersion)
        {
            byte[] elf = File.ReadAllBytes(path);
            int offset = FindVernauxFlagsOffset(elf, versionName, path);
            return offset >= 0 && (BitConverter.ToUInt16(elf, offset) & VerFlgWeak) == 0;
        }

        /// <summary>
        /// True when the system's libstdc++ (the one the dynamic loader would pick) defines
        /// <paramref name="versionName"/>; then no patch is needed. False when no libstdc++ is found.
        /// </summary>
        public static bool SystemLibStdCxxProvides(string versionName = LibStdCxxVersion)
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
            };
            foreach (string candidate in candidates)
            {
                if (!File.Exists(candidate)) continue;
                byte[] bytes = File.ReadAllBytes(candidate);
                return IndexOf(bytes, Encoding.ASCII.GetBytes(versionName + "\0")) >= 0;
            }
            return false;
        }

        /// <summary>Offset of vna_flags for the named requirement, or -1 when the library does not require it.</summary>
        private static int FindVernauxFlagsOffset(byte[] elf, string versionName, string path)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path}: only little-endian ELF64 is supported.");
            long shoff = BitConverter.ToInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);
            if (shoff <= 0 || shoff + (long)shentsize * shnum > elf.Length)
                throw new InvalidDataException($"{path}: section header table lies outside the file (truncated?).");
            for (int s = 0; s < shnum; s++)
            {
                int sh = checked((int)(shoff + (long)s * shentsize));
                if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
                long secOffset = BitConverter.ToInt64(elf, sh + 0x18);
                int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
                int count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
                int strSh = checked((int)(shoff + (long)link * shentsize));
                long strOffset = BitConverter.ToInt64(elf, strSh + 0x18);
                long need = secOffset;
                for (int n = 0; n < count; n++)
                {
                    int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                    long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        long nameOffset = strOffset + BitConverter.ToUInt32(elf, (int)aux + 8);
                        if (CStringEquals(elf, nameOffset, versionName)) return (int)aux + 4;
                        aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                    }
                    uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                    if (next == 0) break;
                    need += next;
                }
            }
            return -1;
        }

        private static bool CStringEquals(byte[] bytes, long offset, string value)
        {
            if (offset < 0 || offset + value.Length >= bytes.Length) return false;
            for (int i = 0; i < value.Length; i++)
                if (bytes[offset + i] != (byte)value[i]) return false;
            return bytes[offset + value.Length] == 0;
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }
}

#if !SALIENCY_NOTEBOOK_LIBRARY
namespace Saliency.Notebook.Build
{
    using Microsoft.Build.Framework;
    using Saliency.Notebook.Native;

    /// <summary>MSBuild task: patches every libLibTorchSharp.so under the given files when the system needs it.</summary>
    public class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        public override bool Execute()
        {
            if (ElfVersionNeedPatcher.SystemLibStdCxxProvides())
            {
                Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {ElfVersionNeedPatcher.LibStdCxxVersion}: libLibTorchSharp.so left as shipped.");
                return true;
            }
            foreach (ITaskItem item in Files)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                var result = ElfVersionNeedPatcher.MarkWeak(path);
                Log.LogMessage(MessageImportance.Normal, $"libLibTorchSharp.so compat patch ({ElfVersionNeedPatcher.LibStdCxxVersion} weak): {result} {path}");
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
