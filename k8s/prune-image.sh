#!/bin/sh
# What the image leaves out of its app directory (argument 1) after `npm ci --omit=dev`: k8s/Dockerfile's build
# stage runs it, and so does the payload measurement of docs/benchmarks.md. Out: the tests and their helpers;
# ONNX Runtime's binaries for every platform but this one (onnxruntime-node ships darwin, win32 and both linux
# architectures, ~290 MB); source maps (nothing reads them at run time); npm's install inputs.
set -eu
app=$1
arch=$(node -p process.arch) # x64 or arm64: the build stage runs on the image's own platform
find "$app/src" -name '*.test.ts' -delete
rm -rf "$app/src/testing"
for binaries in "$app"/node_modules/onnxruntime-node/bin/napi-v*/*/*; do
  case "$binaries" in
    */linux/"$arch") ;;
    *) rm -rf "$binaries" ;;
  esac
done
find "$app/node_modules/onnxruntime-node/bin" -type d -empty -delete
find "$app/node_modules" -name '*.map' -type f -delete
rm -f "$app/package-lock.json" "$app/.npmrc"
