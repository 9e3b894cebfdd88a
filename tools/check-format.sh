#!/usr/bin/env bash
# Checks the C# source against .editorconfig without changing it (CI runs this): layout (whitespace, indentation,
# line breaks) and the style rules .editorconfig marks :warning (accessibility modifiers only where not the default,
# file-scoped namespaces). To fix instead of check: run the same commands without --verify-no-changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet format whitespace QwenVk.sln --verify-no-changes
dotnet format style QwenVk.sln --verify-no-changes --diagnostics IDE0040 IDE0161 --severity warn
echo "format: ok" >&2
