# shellcheck shell=bash
# Shared set-up for scripts/run, scripts/test and scripts/measure. Source it; do not run it.
#
# Everything here is idempotent: a second run skips what is already there.

# The repository root (this file lives in scripts/lib/).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO

# Debian packages the app, its build and its tests need (see shared/SETUP-NOTES.md).
# Not dbus-x11: it autostarts stray session buses tied to the X display.
APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth imagemagick webkit2gtk-driver dbus gnome-keyring libsecret-tools libdbus-1-dev
  xdg-utils desktop-file-utils fonts-dejavu-core shellcheck appstream libglib2.0-bin systemd
)

# Node version the UI toolchain needs (vite 8, vitest 4, webdriverio 9).
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

if [[ -t 1 ]]; then
  _B=$'\e[1m' _R=$'\e[31m' _G=$'\e[32m' _Y=$'\e[33m' _N=$'\e[0m'
else
  _B='' _R='' _G='' _Y='' _N=''
fi

say() { printf '%s==>%s %s\n' "$_B" "$_N" "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf '%swarning:%s %s\n' "$_Y" "$_N" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$_R" "$_N" "$*" >&2
  exit 1
}
ok_text() { printf '%s%s%s' "$_G" "$*" "$_N"; }
fail_text() { printf '%s%s%s' "$_R" "$*" "$_N"; }

# The cargo target directory: CARGO_TARGET_DIR if set, else $REPO/target.
target_dir() {
  printf '%s\n' "${CARGO_TARGET_DIR:-$REPO/target}"
}

# Path of the built app binary for a profile (debug|release).
app_binary() {
  printf '%s/%s/patchbay-app\n' "$(target_dir)" "${1:-debug}"
}

have_display() {
  [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]
}

# Install the missing Debian packages (as root), or print the one line to run and fail.
ensure_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    say "Debian packages: all ${#APT_PACKAGES[@]} present"
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    printf '%serror:%s these Debian packages are missing: %s\n' "$_R" "$_N" "${missing[*]}" >&2
    printf 'Install them with:\n\n    sudo apt-get install -y %s\n\nthen run this script again.\n' "${missing[*]}" >&2
    exit 1
  fi
  say "Debian packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" </dev/null
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH: install Rust (https://rustup.rs), then run this again."
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    die "node/npm are not on PATH: install Node.js ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR} or newer, then run this again."
  fi
  local v major minor
  v="$(node --version)"
  v="${v#v}"
  major="${v%%.*}"
  minor="${v#*.}"
  minor="${minor%%.*}"
  if ((major < NODE_MIN_MAJOR || (major == NODE_MIN_MAJOR && minor < NODE_MIN_MINOR))); then
    die "Node.js $v is too old: ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR} or newer is needed."
  fi
}

# `npm ci` in a folder when its node_modules is missing or older than its package-lock.json.
ensure_npm_deps() {
  local dir="$1"
  [[ -f "$dir/package.json" ]] || return 0
  local rel="${dir#"$REPO"/}"
  [[ "$dir" == "$REPO" ]] && rel="(root)"
  if [[ ! -f "$dir/package-lock.json" ]]; then
    die "$rel has a package.json but no package-lock.json: run 'npm install' there and commit the lockfile."
  fi
  if [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "npm packages in $rel: up to date"
    return 0
  fi
  say "npm packages in $rel: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# Build the UI into ui/dist (vite build takes about a second).
build_ui() {
  say "UI: npm run build (writes ui/dist)"
  (cd "$REPO" && npm run --silent build)
  [[ -f "$REPO/ui/dist/index.html" ]] || die "npm run build did not write ui/dist/index.html"
}

# tauri-driver (WebDriver bridge for Tauri apps) from crates.io when it is missing.
ensure_tauri_driver() {
  if command -v tauri-driver >/dev/null 2>&1; then
    say "tauri-driver: $(command -v tauri-driver)"
    return 0
  fi
  local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  if [[ -x "$cargo_bin/tauri-driver" ]]; then
    export PATH="$cargo_bin:$PATH"
    say "tauri-driver: $cargo_bin/tauri-driver"
    return 0
  fi
  say "tauri-driver: cargo install tauri-driver --locked"
  # Its own target dir: the app's would be churned by a different profile and feature set.
  CARGO_TARGET_DIR="$(target_dir)/tools" cargo install tauri-driver --locked --quiet
  export PATH="$cargo_bin:$PATH"
  command -v tauri-driver >/dev/null 2>&1 || die "tauri-driver was installed but is not on PATH ($cargo_bin)"
}

# python-xlib (from PyPI), for scripts/lib/close-window.py: closing the window as a window manager would, in the
# desktop tests and scripts/measure.
ensure_python_xlib() {
  if python3 -c 'import Xlib' 2>/dev/null; then
    say "python-xlib: present"
    return 0
  fi
  say "python-xlib: pip install python-xlib"
  python3 -m pip install --quiet python-xlib
  python3 -c 'import Xlib' || die "python-xlib did not install (needed to close the window as a window manager would)"
}

# The official MCP Python SDK, for driving `patchbay mcp` as assistants do (crates/patchbay-cli/tests/mcp.rs), in a
# virtual environment kept outside the clone (like the cargo target directory) so a clean clone does not
# download it again. The version is pinned: the tests assert what this client sees.
MCP_SDK_VERSION="2.3.0"
mcp_venv_dir() {
  echo "${PATCHBAY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/patchbay-dev}/mcp-venv-$MCP_SDK_VERSION"
}
ensure_python_mcp() {
  local venv
  venv="$(mcp_venv_dir)"
  if "$venv/bin/python" -c 'import mcp' 2>/dev/null; then
    say "MCP Python SDK $MCP_SDK_VERSION: present ($venv)"
    return 0
  fi
  say "MCP Python SDK: pip install mcp==$MCP_SDK_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mcp==$MCP_SDK_VERSION"
  "$venv/bin/python" -c 'import mcp' || die "the MCP Python SDK did not install into $venv"
}

# MSAL Python, Microsoft's own authentication library, for signing in to the sandbox as a Python app does
# (crates/patchbay-sandbox/tests/msal.rs runs tests/msal/msal_client.py with it), in a cached virtual environment
# like the MCP SDK's. Pinned: the test asserts what this version puts in its token cache.
MSAL_VERSION="1.39.0"
msal_venv_dir() {
  echo "${PATCHBAY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/patchbay-dev}/msal-venv-$MSAL_VERSION"
}
ensure_python_msal() {
  local venv
  venv="$(msal_venv_dir)"
  if "$venv/bin/python" -c 'import msal' 2>/dev/null; then
    say "MSAL Python $MSAL_VERSION: present ($venv)"
    return 0
  fi
  say "MSAL Python: pip install msal==$MSAL_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "msal==$MSAL_VERSION"
  "$venv/bin/python" -c 'import msal' || die "MSAL Python did not install into $venv"
}

# Print how long since a `date +%s%N` stamp, in seconds with one decimal.
seconds_since() {
  local start="$1" now
  now="$(date +%s%N)"
  awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}
