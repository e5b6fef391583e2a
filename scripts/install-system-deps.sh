#!/usr/bin/env bash
# Installs (idempotently, cached) the Debian packages and downloads the tests and benches need:
# dtc, cpp, the kernel sources (linux-source-6.1 and -6.12), Debian's arm64 6.1 and 6.12 kernels and its
# arm32 armmp kernel with their DTBs, busybox for the QEMU lab boards, socat/ser2net for real serial
# lines, Chromium for the end-to-end tests.
# Usage: scripts/install-system-deps.sh [all|dt|lab|e2e|labgrid|bindings]...   (default: all)
#
# Debian's archive moves: a stable update replaces a kernel package and the old one leaves the mirror.
# Nothing here names a package build; kernels are found through their meta packages. Another apt or
# dpkg (unattended-upgrades, a second test run) may hold the lock: every apt call waits for it, bounded.
# A failure says which step and which package.
set -euo pipefail
CACHE=${BRINGUP_CACHE:-$HOME/.cache/bringup-workbench}
mkdir -p "$CACHE"
want=${*:-all}
has() { case " $want " in *" all "*|*" $1 "*) return 0;; esac; return 1; }

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
LOCK_WAIT=${BRINGUP_APT_LOCK_WAIT:-600}   # seconds to wait for another apt/dpkg to finish
log=$(mktemp); trap 'rm -f "$log"' EXIT

fail() { echo "install-system-deps: $*" >&2; exit 1; }

# Runs one apt/dpkg command for a named step. apt waits on the dpkg frontend lock itself
# (DPkg::Lock::Timeout); the lists lock of `apt-get update` and dpkg's own lock are retried here until
# LOCK_WAIT runs out. On failure: the step, the command and the tail of its output.
apt_step() {
  local step=$1; shift
  local deadline=$((SECONDS + LOCK_WAIT))
  while :; do
    if "$@" >"$log" 2>&1; then return 0; fi
    if grep -qiE 'could not get lock|unable to acquire|is held by process|lock-frontend|dpkg frontend lock|status database area is locked' "$log" \
      && [ $SECONDS -lt $deadline ]; then
      sleep 5; continue
    fi
    [ -n "${APT_QUIET:-}" ] || apt_report "$step" "$@"
    return 1
  done
}
apt_report() {
  local step=$1; shift
  echo "install-system-deps: step '$step' failed: $*" >&2
  tail -n 15 "$log" | sed 's/^/  | /' >&2
}
APT_OPTS=(-o "DPkg::Lock::Timeout=$LOCK_WAIT" -o APT::Sandbox::User=root)

# A mirror caught mid-sync serves an index whose size or hash disagrees with its Release file. apt then
# exits non-zero, but keeps every list that did download ("Some index files failed to download. They have
# been ignored, or old ones used instead."). That is retried a few times; if it persists, the lists it has
# are used, and a package they lack fails later at the step that needs it, by name. An update that fails
# without that message stops here. A partial update leaves the stamp alone, so the next run refreshes
# again, but this run does not repeat it unless forced.
stamp="$CACHE/.apt-updated"
APT_UPDATE_TRIES=${BRINGUP_APT_UPDATE_TRIES:-3}
APT_UPDATE_PAUSE=${BRINGUP_APT_UPDATE_PAUSE:-10}   # seconds before the second try, twice that before the third, and so on
updated_now=""
apt_update() {
  [ "${1:-}" != force ] && [ -n "$updated_now" ] && return 0
  if [ "${1:-}" = force ] || [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
    updated_now=1
    local try=1
    until APT_QUIET=1 apt_step "apt-get update" $SUDO apt-get "${APT_OPTS[@]}" update -qq; do
      grep -q 'Some index files failed to download' "$log" \
        || { apt_report "apt-get update" $SUDO apt-get "${APT_OPTS[@]}" update -qq; fail "could not refresh Debian's package lists (apt-get update)"; }
      if [ $try -ge "$APT_UPDATE_TRIES" ]; then
        echo "install-system-deps: apt-get update left some index files out; going on with the lists it has:" >&2
        grep -E '^(E|W): Failed to fetch' "$log" | sed -E 's/^(.{0,200}).*/  | \1/' >&2
        return 0
      fi
      sleep $((try * APT_UPDATE_PAUSE)); try=$((try + 1))
    done
    touch "$stamp"
  fi
}

pkgs=()
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || pkgs+=("$1"); }
has dt  && { need_pkg device-tree-compiler; need_pkg cpp; need_pkg time; need_pkg linux-source-6.1; need_pkg linux-source-6.12; need_pkg xz-utils; }
has lab && { need_pkg qemu-system-arm; need_pkg cpio; need_pkg device-tree-compiler; need_pkg socat; need_pkg ser2net; }
has e2e && { need_pkg chromium; need_pkg socat; need_pkg ser2net; need_pkg libxml2-utils; }
has labgrid && { need_pkg python3-venv; need_pkg socat; need_pkg ser2net; }
if [ ${#pkgs[@]} -gt 0 ]; then
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  apt_update
  install() { apt_step "$1" $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${@:2}"; }
  if ! install "install ${pkgs[*]}" "${pkgs[@]}"; then
    # The lists may be stale (a package replaced since the last update): refresh once, then one by one
    # so the message names the package that cannot be installed.
    apt_update force
    bad=()
    for p in "${pkgs[@]}"; do install "install $p" "$p" || bad+=("$p"); done
    [ ${#bad[@]} -eq 0 ] || fail "could not install the Debian package(s): ${bad[*]}"
  fi
fi

# The kernel source trees (DTS + dt-bindings headers + every source that registers a driver or an
# early-init provider, arch/ included, for the catalog; the binding schemas), each unpacked once. Most of
# Documentation, tools and samples are left out. Bump SRC_STAMP when the extracted subset changes.
SRC_STAMP=.extracted-v3
unpack_source() {
  local v=$1 dir="$CACHE/linux-source-$1"
  [ -f "$dir/$SRC_STAMP" ] && return 0
  local tarball=/usr/src/linux-source-$v.tar.xz
  [ -f "$tarball" ] || fail "step 'unpack linux-source-$v': no $tarball (package linux-source-$v)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 \
    --exclude="linux-source-$v/Documentation/[!d]*" --exclude="linux-source-$v/tools/*" --exclude="linux-source-$v/samples/*" \
    --exclude="linux-source-$v/arch/[!a]*" --exclude="linux-source-$v/arch/alpha" --exclude="linux-source-$v/arch/arc" \
    || fail "step 'unpack linux-source-$v' failed on $tarball"
  # Only arm and arm64 of arch/: the catalog and the corpus are for those two.
  find "$dir.tmp/arch" -mindepth 1 -maxdepth 1 ! -name arm ! -name arm64 -exec rm -rf {} +
  touch "$dir.tmp/$SRC_STAMP"
  rm -rf "$dir.old"
  [ -d "$dir" ] && mv "$dir" "$dir.old"
  mv "$dir.tmp" "$dir"
  rm -rf "$dir.old"
}
if has dt; then unpack_source 6.1; unpack_source 6.12; fi

# `apt-get download` of one package into `dir`. A failure may be lists older than the archive (the
# package replaced since): they are refreshed once and the download tried again.
download_deb() {
  local dir=$1 pkg=$2
  (cd "$dir" && apt_step "download $pkg" apt-get "${APT_OPTS[@]}" download -qq "$pkg") && return 0
  apt_update force
  (cd "$dir" && apt_step "download $pkg" apt-get "${APT_OPTS[@]}" download -qq "$pkg")
}

# A Debian kernel package and busybox-static of one architecture, unpacked under $CACHE/<dest>/root.
# The kernel is whatever build the meta package depends on today; which one is recorded in
# <dest>/kernel-package as information (the lab judges behaviour, not the build number).
fetch_kernel() {
  local dest=$1 arch=$2 meta=$3
  [ -f "$CACHE/$dest/.complete" ] && return 0
  if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    apt_step "add architecture $arch" $SUDO dpkg --add-architecture "$arch" || fail "could not add the $arch architecture"
    apt_update force
  fi
  apt_update
  local img
  img=$(apt-cache depends "$meta:$arch" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  img=${img%:"$arch"}
  [ -n "$img" ] || { apt_update force; img=$(apt-cache depends "$meta:$arch" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); img=${img%:"$arch"}; }
  [ -n "$img" ] || fail "step 'find kernel': the package $meta:$arch names no linux-image-* package"
  rm -rf "$CACHE/$dest" && mkdir -p "$CACHE/$dest/debs" "$CACHE/$dest/root"
  for p in "$img:$arch" "busybox-static:$arch"; do
    download_deb "$CACHE/$dest/debs" "$p" || fail "could not download the Debian package $p"
  done
  for d in "$CACHE/$dest"/debs/*.deb; do dpkg -x "$d" "$CACHE/$dest/root" || fail "step 'unpack $(basename "$d")' failed"; done
  echo "$img" > "$CACHE/$dest/kernel-package"
  touch "$CACHE/$dest/.complete"
}

# Debian's kernels with their busybox-static: arm64 6.1 (vmlinuz, modules, config, System.map and ~570
# DTBs), arm64 6.12, and the arm32 armmp kernel (about 900 DTBs).
if has dt || has lab; then
  fetch_kernel arm64 arm64 linux-image-arm64
  fetch_kernel arm64-6.12 arm64 linux-image-6.12-arm64
  fetch_kernel armhf armhf linux-image-armmp
fi
# A kernel's DTBs are compared with the DTS they were built from. linux-source-<v> and a kernel package
# normally come from the same upload, but the lists can offer them at different versions: a partial
# update that left one architecture's security index out (seen: armmp 6.1.176 beside source 6.1.192),
# or an upload not yet built for every architecture. Then the kernel gets the DTS of its own version in
# <dest>/dts-source (arch/arm and arch/arm64 boot/dts, include/dt-bindings and the uapi header its
# input codes link to, scripts/dtc), from the linux-source-<v> package of that version;
# scripts/lib/system.ts kernelDtsSource() picks it up.
kernel_dts_source() {
  local dest=$1 v=$2 dir="$CACHE/$1/dts-source" kver sver
  kver=$(dpkg-deb -f "$(ls "$CACHE/$dest"/debs/linux-image-*.deb | head -n1)" Version) || fail "step 'kernel version of $dest': cannot read its linux-image package"
  sver=$(dpkg-query -W -f='${Version}' "linux-source-$v" 2>/dev/null) || sver=""
  if [ "$kver" = "$sver" ]; then rm -rf "$dir"; return 0; fi
  [ "$(cat "$dir/.version" 2>/dev/null)" = "$kver" ] && return 0
  echo "install-system-deps: $dest is kernel $kver, linux-source-$v is ${sver:-not installed}: unpacking the DTS of $kver" >&2
  local tmp="$dir.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/deb"
  download_deb "$tmp/deb" "linux-source-$v=$kver" || fail "could not download linux-source-$v=$kver, the source of the $dest kernel"
  dpkg-deb --fsys-tarfile "$tmp"/deb/*.deb | tar -xO "./usr/src/linux-source-$v.tar.xz" \
    | tar -xJ -C "$tmp" --strip-components=1 "linux-source-$v/arch/arm/boot/dts" "linux-source-$v/arch/arm64/boot/dts" \
      "linux-source-$v/include/dt-bindings" "linux-source-$v/include/uapi/linux/input-event-codes.h" "linux-source-$v/scripts/dtc" \
    || fail "step 'unpack the DTS of linux-source-$v=$kver' failed"
  rm -rf "$tmp/deb"
  echo "$kver" > "$tmp/.version"
  rm -rf "$dir" && mv "$tmp" "$dir"
}
if has dt; then
  kernel_dts_source arm64 6.1
  kernel_dts_source arm64-6.12 6.12
  kernel_dts_source armhf 6.1
fi

# labgrid from PyPI (pinned) in a venv of its own: its coordinator and exporter for the lab tests, and the
# labgrid-client the workbench runs power actions through. Rebuilt when the pin changes.
LABGRID_VERSION=26.0.1
if has labgrid && [ "$(cat "$CACHE/labgrid/.version" 2>/dev/null)" != "$LABGRID_VERSION" ]; then
  rm -rf "$CACHE/labgrid" && mkdir -p "$CACHE/labgrid"
  python3 -m venv "$CACHE/labgrid/venv" >"$log" 2>&1 || { tail -n 5 "$log" >&2; fail "step 'labgrid venv' failed (python3 -m venv)"; }
  "$CACHE/labgrid/venv/bin/pip" install -q --disable-pip-version-check "labgrid==$LABGRID_VERSION" >"$log" 2>&1 \
    || { tail -n 15 "$log" | sed 's/^/  | /' >&2; fail "step 'pip install labgrid==$LABGRID_VERSION' failed"; }
  echo "$LABGRID_VERSION" > "$CACHE/labgrid/.version"
fi

# bindings: the kernel's binding checker (dtschema from PyPI in a venv, processed schemas for the shipped
# kernel sources), by its own script; after `dt` so the kernel sources are there.
if has bindings; then bash "$(dirname "$0")/install-dtschema.sh" || fail "step 'bindings' failed (scripts/install-dtschema.sh)"; fi
echo "$CACHE"
