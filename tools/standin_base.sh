#!/usr/bin/env bash
# Builds a LOCAL STAND-IN for the base image docker/Dockerfile names (tensorflow/tfx:<version>),
# for tests on machines that cannot pull it: a Debian bookworm root (debootstrap, from this
# machine's apt mirror) with this machine's Python 3.10 and the project's locked dependencies
# (docker/requirements.txt, installed by uv from its cache), compiled to bytecode as in the real
# base, imported and tagged as the base, so that docker/Dockerfile is built unchanged on top of it.
#
# It is for tests only and must NEVER be pushed: it is not the TFX image (no Beam boot binary at
# /opt/apache/beam/boot; a copy of the host's Python). Does nothing if the base is already present
# or can be pulled. Needs root, debootstrap, uv, and a running Docker daemon.
#
# Usage: tools/standin_base.sh [base-tag]   (default: the Dockerfile's BASE_IMAGE default)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${1:-$(sed -n 's/^ARG BASE_IMAGE=//p' docker/Dockerfile | head -1)}"
[ -n "$BASE" ] || { echo "error: no 'ARG BASE_IMAGE=' in docker/Dockerfile" >&2; exit 1; }

if docker image inspect "$BASE" >/dev/null 2>&1; then
  echo "standin-base: $BASE is present; nothing to do"
  exit 0
fi
if timeout 60 docker pull "$BASE" >/dev/null 2>&1; then
  echo "standin-base: pulled the real $BASE"
  exit 0
fi
echo "standin-base: $BASE cannot be pulled; building a local stand-in (tests only, never push it)"

for tool in debootstrap uv; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install -y debootstrap; pip install uv)" >&2; exit 1; }
done
PY310="$(bash .ci/find_python310)"
PREFIX="$(cd "$(dirname "$PY310")/.." && pwd -P)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfx-balance-standin.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"

MIRROR="$(bash tools/debian_mirror.sh)"
# The shared libraries the Python build's extension modules link against (Debian bookworm names).
LIBS=ca-certificates,libssl3,libffi8,libsqlite3-0,libuuid1,libgdbm6,libbz2-1.0,libexpat1,liblzma5
LIBS=$LIBS,libncursesw6,libreadline8,zlib1g,libtirpc3,libgomp1
start=$(date +%s)
debootstrap --variant=minbase --include="$LIBS" bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
echo "standin-base: debootstrap $(( $(date +%s) - start ))s"

# Python 3.10 at /usr/local (where the python:3.10 images keep it), without this machine's
# site-packages; its build-time prefix is rewritten in the text files that record it.
mkdir -p "$ROOTFS/usr/local"
tar -C "$PREFIX" --exclude='./lib/python3.10/site-packages' --exclude='__pycache__' -c . \
  | tar -C "$ROOTFS/usr/local" -x
mkdir -p "$ROOTFS/usr/local/lib/python3.10/site-packages"
grep -rlI --null "$PREFIX" "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib/python3.10" \
  "$ROOTFS/usr/local/lib/pkgconfig" 2>/dev/null | xargs -0 -r sed -i "s#$PREFIX#/usr/local#g"
ln -sf python3.10 "$ROOTFS/usr/local/bin/python"
ln -sf python3.10 "$ROOTFS/usr/local/bin/python3"
chroot "$ROOTFS" /sbin/ldconfig

# The locked dependencies (pip among them), from uv's cache: no compiler and no package index
# needed in the image.
start=$(date +%s)
uv pip install --quiet --python "$PY310" --prefix "$ROOTFS/usr/local" --no-deps --link-mode hardlink \
  -r docker/requirements.txt
echo "standin-base: locked dependencies $(( $(date +%s) - start ))s"
rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb "$ROOTFS/var/lib/apt/lists/"*

# Bytecode of the standard library and the dependencies, as pip leaves it in the real base (uv and
# the copy above leave none). The image runs as user 10001 with PYTHONDONTWRITEBYTECODE=1, so
# without it every step compiles TensorFlow and TFX from source at import: 95 s instead of 15 s
# per step here. Compiled in the root, so the files name their /usr/local paths. compileall exits 1
# for lib2to3's test data, which is not Python 3: such a file is compiled at import, as before.
start=$(date +%s)
chroot "$ROOTFS" /usr/local/bin/python3.10 -m compileall -q -j 0 /usr/local/lib/python3.10 \
  >"$WORK/compileall.log" 2>&1 || true
echo "standin-base: bytecode $(( $(date +%s) - start ))s"

start=$(date +%s)
tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python"]' \
  --message 'tfx-balance local stand-in for tests: never push' - "$BASE" >/dev/null
echo "standin-base: imported $BASE in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$BASE" | awk '{printf "%.1f GB", $1/1e9}'))"
