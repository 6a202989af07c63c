#!/bin/sh
# Regenerates the sample the start page opens ("Open the sample"): the seed 002 program
# (test/fixtures/seed002.cpp) built here, dumped with gcore, gzipped, with its binary.
# Needs gcc/g++ and gdb. Output: public/sample/{sample.core.gz,sample-bin,manifest.json}.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O1 -g -fno-omit-frame-pointer -I test/fixtures -o "$work/sample-bin" test/fixtures/seed002.cpp
"$work/sample-bin" "$work/truth.json" > "$work/out" &
pid=$!
for _ in $(seq 100); do grep -q READY "$work/out" 2>/dev/null && break; sleep 0.1; done
gcore -o "$work/core" "$pid" >/dev/null
kill -9 "$pid" 2>/dev/null || true
mkdir -p public/sample
gzip -9 -n -c "$work/core.$pid" > public/sample/sample.core.gz
strip --strip-debug -o public/sample/sample-bin "$work/sample-bin"
vt=$(sed -n 's/.*"vtableA": "\([^"]*\)".*/\1/p' "$work/truth.json")
cat > public/sample/manifest.json <<JSON
{
  "description": "The seed 002 program: 20000 each of malloc(48), malloc(80), new A (a class with a vtable) and new B, dumped with gcore; with its executable for symbols. A's vtable pointer is $vt.",
  "files": [{ "name": "sample.core.gz" }, { "name": "sample-bin" }]
}
JSON
ls -l public/sample
