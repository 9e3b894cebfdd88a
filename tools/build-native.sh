#!/usr/bin/env bash
# Builds the C ABI: a NativeAOT publish of src/QwenVk.Native, then copies the shared library (libqwenvk.so on
# Linux, libqwenvk.dylib on macOS, qwenvk.dll on Windows) and qwenvk.h into OUT_DIR.
# Needs the .NET 10 SDK and a C toolchain (clang or gcc) for the native link. Takes minutes.
# Usage: tools/build-native.sh OUT_DIR [RID]   (RID defaults to this machine's, e.g. linux-x64)
set -euo pipefail
if [ $# -lt 1 ]; then echo "usage: $0 OUT_DIR [RID]" >&2; exit 2; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
rid="${2:-}"
if [ -z "$rid" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) rid=linux-x64 ;;
    Linux-aarch64) rid=linux-arm64 ;;
    Darwin-arm64) rid=osx-arm64 ;;
    Darwin-x86_64) rid=osx-x64 ;;
    *) echo "error: name the RID (second argument) for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
  esac
fi
publish="$root/src/QwenVk.Native/bin/publish/$rid"
dotnet publish "$root/src/QwenVk.Native/QwenVk.Native.csproj" -c Release -r "$rid" -o "$publish" -v:q -nologo >&2
# NativeAOT names the library after the assembly (qwenvk.so); C linkers look for libqwenvk.so (-lqwenvk).
if [ -f "$publish/qwenvk.so" ]; then cp "$publish/qwenvk.so" "$out/libqwenvk.so"; fi
if [ -f "$publish/qwenvk.dylib" ]; then cp "$publish/qwenvk.dylib" "$out/libqwenvk.dylib"; fi
if [ -f "$publish/qwenvk.dll" ]; then cp "$publish/qwenvk.dll" "$out/"; cp "$publish/qwenvk.lib" "$out/" 2>/dev/null || true; fi
cp "$root/src/QwenVk.Native/qwenvk.h" "$out/"
echo "$out" >&2
