#!/usr/bin/env bash
# Installs what QwenVk needs on a fresh Debian 12 / Ubuntu machine: the Vulkan loader, the CPU Vulkan driver
# (lavapipe, used when there is no GPU), glslc (compiles the shaders at build time), spirv-tools (spirv-val, used
# by the tests), the Khronos validation layer (every test runs with it), and gcc with zlib1g-dev (the C ABI's NativeAOT
# link and the C sample the tests compile). Then restores the NuGet packages.
set -euo pipefail
PKGS="libvulkan1 mesa-vulkan-drivers glslc spirv-tools vulkan-validationlayers gcc zlib1g-dev"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing:$missing" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing >&2
fi
if ! command -v dotnet >/dev/null; then
  echo "error: the .NET 10 SDK is missing (dotnet not on PATH). Install it from Microsoft's packages: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet restore QwenVk.sln -v:q >&2
