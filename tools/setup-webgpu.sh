#!/usr/bin/env bash
# Makes WebGPU-in-Node (Dawn, npm `webgpu`) usable on a machine without a GPU, for tests.
#
# Dawn needs a Vulkan driver. Debian bookworm's Mesa 22.3 lavapipe is rejected by Dawn
# ("shaderUniform*ArrayDynamicIndexing required"); Mesa 25 lavapipe from bookworm-backports works and is
# ~10x faster than Chromium's SwiftShader (BACKENDS.md). This script downloads that one package with a
# private apt configuration (the system's apt sources and state are not touched), unpacks it into
# .tools/vulkan/ and writes an ICD JSON pointing at the unpacked libvulkan_lvp.so. If that fails and
# Chromium's SwiftShader ICD is installed, it uses that instead.
#
# Usage:  eval "$(tools/setup-webgpu.sh)"   # exports VK_ICD_FILENAMES, LD_LIBRARY_PATH, XDG_RUNTIME_DIR,
#                                           # SPLITMASK_WEBGPU=1; exits non-zero (printing nothing) on failure
# Idempotent; returns immediately once done. Diagnostics go to stderr, only `export` lines to stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.tools/vulkan"
ICD="$DEST/lvp_icd.json"
LIBDIR_FILE="$DEST/libdir"
XDG="$DEST/xdg"
STAMP="$DEST/ok"

log() { echo "setup-webgpu: $*" >&2; }

emit() { # $1 ICD json, $2 extra library dir (may be empty)
  mkdir -p "$XDG" && chmod 700 "$XDG"
  echo "export VK_ICD_FILENAMES='$1'"
  if [ -n "$2" ]; then echo "export LD_LIBRARY_PATH='$2'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"; fi
  echo "export XDG_RUNTIME_DIR='$XDG'"
  echo "export SPLITMASK_WEBGPU=1"
}

# Asks Dawn for an adapter when the `webgpu` package is installed (after `pnpm install`); otherwise
# only checks that the driver's shared libraries resolve.
verify() { # $1 ICD json, $2 library dir
  local dawn
  dawn="$(cd "$ROOT/packages/test-utils" 2>/dev/null && node -e "console.log(require.resolve('webgpu'))" 2>/dev/null || true)"
  if [ -n "$dawn" ]; then
    local out rc=0
    out="$(VK_ICD_FILENAMES="$1" LD_LIBRARY_PATH="$2${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" XDG_RUNTIME_DIR="$XDG" \
      timeout 60 node --input-type=module -e "
        const { create } = await import('$dawn');
        const a = await create([]).requestAdapter();
        if (!a) { console.error('no adapter'); process.exit(1); }
        console.error('adapter:', a.info.vendor, '/', a.info.architecture, '/', a.info.description);
        process.exit(0);" 2>&1)" || rc=$?
    printf '%s\n' "$out" | grep -E 'adapter|rror' >&2 || true
    return "$rc"
  fi
  local lib
  lib="$(sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' "$1")"
  [ -f "$lib" ] || return 1
  ! LD_LIBRARY_PATH="$2" ldd "$lib" | grep -q 'not found'
}

mkdir -p "$XDG" && chmod 700 "$XDG"

has_vulkan_loader() {
  local d
  for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
    [ -e "$d/libvulkan.so.1" ] && return 0
  done
  return 1
}

if [ -f "$STAMP" ] && [ -f "$ICD" ] && [ -f "$LIBDIR_FILE" ]; then
  emit "$ICD" "$(cat "$LIBDIR_FILE")"
  exit 0
fi

lavapipe() {
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { log "apt-get/dpkg-deb not found"; return 1; }
  . /etc/os-release
  local codename="${VERSION_CODENAME:-bookworm}"
  # The mirror the machine already uses (deb822 or one-line format); deb.debian.org otherwise.
  local mirror
  mirror="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$mirror" ] || mirror="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
  local apt="$DEST/apt"
  rm -rf "$apt" && mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  {
    echo "deb $mirror ${codename}-backports main"
    # libvulkan1 (the loader) comes from the main suite when the system lacks it.
    has_vulkan_loader || echo "deb $mirror $codename main"
  } >"$apt/sources.list"
  local opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  log "fetching mesa-vulkan-drivers from $mirror ${codename}-backports"
  apt-get "${opts[@]}" update >&2 || return 1
  local pkgs=("mesa-vulkan-drivers/${codename}-backports")
  has_vulkan_loader || pkgs+=(libvulkan1)
  (cd "$apt/debs" && apt-get "${opts[@]}" download "${pkgs[@]}" >&2) || return 1
  rm -rf "$DEST/root"
  for deb in "$apt/debs"/*.deb; do dpkg-deb -x "$deb" "$DEST/root" || return 1; done
  local lvp
  lvp="$(find "$DEST/root" -name libvulkan_lvp.so | head -n1)"
  [ -n "$lvp" ] || { log "libvulkan_lvp.so missing from the package"; return 1; }
  local libdir
  libdir="$(dirname "$lvp")"
  printf '{\n  "file_format_version": "1.0.0",\n  "ICD": { "library_path": "%s", "api_version": "1.3.0" }\n}\n' \
    "$lvp" >"$ICD"
  rm -rf "$apt"
  verify "$ICD" "$libdir" || return 1
  echo "$libdir" >"$LIBDIR_FILE"
}

if lavapipe; then
  touch "$STAMP"
  log "Mesa lavapipe ready in $DEST"
  emit "$ICD" "$(cat "$LIBDIR_FILE")"
  exit 0
fi
log "Mesa lavapipe setup failed"

SWIFTSHADER=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -f "$SWIFTSHADER" ] && verify "$SWIFTSHADER" ""; then
  log "using Chromium's SwiftShader ICD (slow)"
  emit "$SWIFTSHADER" ""
  exit 0
fi
log "no usable Vulkan ICD; WebGPU tests stay off"
exit 1
