#!/usr/bin/env bash
# Installs (idempotently, cached) the Debian packages and downloads the tests and benches need:
# dtc, cpp, the kernel's DTS tree (linux-source-6.1), Debian's arm64 kernel + its DTBs, busybox for the
# QEMU lab board, socat/ser2net for real serial lines, Chromium for the end-to-end tests.
# Usage: scripts/install-system-deps.sh [all|dt|lab|e2e]...   (default: all)
set -euo pipefail
CACHE=${BRINGUP_CACHE:-$HOME/.cache/bringup-workbench}
mkdir -p "$CACHE"
want=${*:-all}
has() { case " $want " in *" all "*|*" $1 "*) return 0;; esac; return 1; }

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
stamp="$CACHE/.apt-updated"
apt_update() {
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
    $SUDO apt-get update -qq >/dev/null && touch "$stamp"
  fi
}
pkgs=()
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || pkgs+=("$1"); }
has dt  && { need_pkg device-tree-compiler; need_pkg cpp; need_pkg time; need_pkg linux-source-6.1; need_pkg xz-utils; }
has lab && { need_pkg qemu-system-arm; need_pkg cpio; need_pkg device-tree-compiler; need_pkg socat; need_pkg ser2net; }
has e2e && { need_pkg chromium; need_pkg socat; need_pkg ser2net; need_pkg libxml2-utils; }
if [ ${#pkgs[@]} -gt 0 ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# The kernel source tree (DTS + dt-bindings headers), unpacked once.
# Bump SRC_STAMP when the extracted subset changes.
SRC_STAMP=.extracted-v2
if has dt && [ ! -f "$CACHE/linux-source-6.1/$SRC_STAMP" ]; then
  tarball=$(ls /usr/src/linux-source-6.1.tar.xz)
  rm -rf "$CACHE/linux-source-6.1.tmp" && mkdir -p "$CACHE/linux-source-6.1.tmp"
  tar -xf "$tarball" -C "$CACHE/linux-source-6.1.tmp" --strip-components=1 \
    --wildcards 'linux-source-6.1/arch/arm64/boot/dts/*' 'linux-source-6.1/arch/arm/boot/dts/*' \
    'linux-source-6.1/include/dt-bindings/*' 'linux-source-6.1/scripts/dtc/include-prefixes*' \
    'linux-source-6.1/drivers/*' 'linux-source-6.1/Makefile' 'linux-source-6.1/arch/arm64/Kconfig*' \
    'linux-source-6.1/arch/arm64/Makefile' 'linux-source-6.1/include/linux/*' 'linux-source-6.1/include/uapi/*' 'linux-source-6.1/sound/*' \
    'linux-source-6.1/arch/arm64/kernel/*' 'linux-source-6.1/kernel/*' 'linux-source-6.1/init/*' 'linux-source-6.1/lib/*' \
    'linux-source-6.1/mm/*' 'linux-source-6.1/net/*' 'linux-source-6.1/fs/*' 'linux-source-6.1/block/*' 'linux-source-6.1/security/*' \
    'linux-source-6.1/crypto/*' 'linux-source-6.1/virt/*' 'linux-source-6.1/arch/arm64/mm/*' 'linux-source-6.1/arch/arm64/lib/*'
  touch "$CACHE/linux-source-6.1.tmp/$SRC_STAMP"
  rm -rf "$CACHE/linux-source-6.1.old"
  [ -d "$CACHE/linux-source-6.1" ] && mv "$CACHE/linux-source-6.1" "$CACHE/linux-source-6.1.old"
  mv "$CACHE/linux-source-6.1.tmp" "$CACHE/linux-source-6.1"
  rm -rf "$CACHE/linux-source-6.1.old"
fi

# Debian's arm64 kernel (vmlinuz, modules, config, System.map and ~570 DTBs) and busybox-static:arm64.
if (has dt || has lab) && [ ! -f "$CACHE/arm64/.complete" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64; rm -f "$stamp"
  fi
  apt_update
  img=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  img=${img%:arm64}
  [ -n "$img" ] || { echo "install-system-deps: cannot find the package linux-image-arm64:arm64 depends on" >&2; exit 1; }
  rm -rf "$CACHE/arm64" && mkdir -p "$CACHE/arm64/debs" "$CACHE/arm64/root"
  (cd "$CACHE/arm64/debs" && apt-get download -qq "$img:arm64" busybox-static:arm64 >/dev/null)
  for d in "$CACHE"/arm64/debs/*.deb; do dpkg -x "$d" "$CACHE/arm64/root"; done
  echo "$img" > "$CACHE/arm64/kernel-package"
  touch "$CACHE/arm64/.complete"
fi
echo "$CACHE"
