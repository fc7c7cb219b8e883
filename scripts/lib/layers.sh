# shellcheck shell=bash
# shellcheck disable=SC2034 # LAYERS, LAYER_LIMIT and LAYER_TITLE are used by scripts/test.
# The test layers of scripts/test. Each runs as its own process (`scripts/test --run-layer NAME`) inside the
# headless session, so `set -e` holds inside it and a hung layer can be timed out alone. Source after common.sh.

# Layer names, in the order they run, and a time limit for each (seconds; generous: a cold build on 2 cores is
# part of `rust`, and `lints` holds the Windows and macOS type-check, whose cold run builds both targets' std and
# dependencies: about 8 minutes of CPU).
LAYERS=(lints rust ui interop e2e)
declare -A LAYER_LIMIT=([lints]=2400 [rust]=2400 [ui]=600 [interop]=600 [e2e]=1200)
declare -A LAYER_TITLE=(
  [lints]="lints (fmt, clippy, clippy for Windows and macOS, typecheck, eslint, core without Tauri, packaging metadata)"
  [rust]="rust (cargo nextest: unit, bindings drift, keychain, tray)"
  [ui]="ui (vitest, IPC mocked)"
  [interop]="interop (OpenID provider fixture)"
  [e2e]="e2e (WebDriver: tauri-driver + WebKitWebDriver)"
)

ARTIFACTS="${PATCHBAY_ARTIFACTS:-$REPO/artifacts}"
export PATCHBAY_ARTIFACTS="$ARTIFACTS"

# shellcheck source=scripts/lib/packaging.sh
source "$REPO/scripts/lib/packaging.sh"
# shellcheck source=scripts/lib/cross.sh
source "$REPO/scripts/lib/cross.sh"

# The app binary the e2e layer drives: the one `cargo nextest run --workspace` builds (same feature set, so it is
# built once).
test_app_binary() {
  app_binary debug
}

# Build every test target of the workspace (and so target/debug/patchbay-app) exactly as nextest will run them.
build_tests() {
  if command -v cargo-nextest >/dev/null 2>&1; then
    cargo nextest run --workspace --no-run
  else
    cargo test --workspace --no-run
  fi
}

# --- lints -------------------------------------------------------------------------------------------------------

_lint_failed=()
_lint() {
  local name="$1"
  shift
  say "lints: $name"
  if "$@"; then
    note "$(ok_text ok): $name"
  else
    note "$(fail_text FAILED): $name"
    _lint_failed+=("$name")
  fi
}

# patchbay-core must not depend on Tauri, on any platform, for normal or build dependencies.
core_has_no_tauri() {
  local tree hits
  tree="$(cargo tree -p patchbay-core -e normal,build --target all --prefix none --format '{p}')" || {
    echo "cargo tree failed" >&2
    return 1
  }
  hits="$(grep -E '^tauri([-_ ]|$)' <<<"$tree" | sort -u || true)"
  if [[ -n "$hits" ]]; then
    echo "patchbay-core has Tauri in its dependency tree (it must know nothing of Tauri):" >&2
    printf '    %s\n' "$hits" >&2
    echo "See how it gets there: cargo tree -p patchbay-core -e normal,build --target all -i <crate>" >&2
    return 1
  fi
  note "patchbay-core: $(wc -l <<<"$tree") dependency lines, none of them tauri*"
}

# The resident service (and the desktop policy it uses) must carry no window toolkit: no GTK, GDK, WebKit or
# Tauri runtime, on any platform, for normal or build dependencies. (tauri-winrt-notification, notify-rust's
# Windows toast back-end, is no toolkit: a name match only.)
service_has_no_toolkit() {
  local tree hits crate
  for crate in patchbay-service patchbay-desktop; do
    tree="$(cargo tree -p "$crate" -e normal,build --target all --prefix none --format '{p}')" || {
      echo "cargo tree failed for $crate" >&2
      return 1
    }
    hits="$(grep -E '^(gtk|gdk|gdk-pixbuf|gio|glib|webkit2gtk|javascriptcore-rs|soup3|libappindicator|wry|tao|tauri)([-_ ]|$)' <<<"$tree" |
      grep -v '^tauri-winrt-notification ' | sort -u || true)"
    if [[ -n "$hits" ]]; then
      echo "$crate has a window toolkit in its dependency tree (the resident service must not):" >&2
      printf '    %s\n' "$hits" >&2
      echo "See how it gets there: cargo tree -p $crate -e normal,build --target all -i <crate>" >&2
      return 1
    fi
    note "$crate: $(wc -l <<<"$tree") dependency lines, no GTK, GDK, WebKit or Tauri"
  done
}

layer_lints() {
  cd "$REPO" || return
  _lint "cargo fmt --all -- --check" cargo fmt --all -- --check
  _lint "cargo clippy --workspace --all-targets -- -D warnings" \
    cargo clippy --workspace --all-targets --quiet -- -D warnings
  local target
  for target in "${CROSS_TARGETS[@]}"; do
    _lint "$(cross_target_name "$target"): cargo clippy --workspace -- -D warnings (type-checked, not linked)" \
      cross_clippy "$target"
  done
  _lint "npm run typecheck" npm run --silent typecheck
  _lint "npm run lint" npm run --silent lint
  _lint "patchbay-core has no Tauri in its dependency tree" core_has_no_tauri
  _lint "the resident service has no GTK, GDK, WebKit or Tauri in its dependency tree" service_has_no_toolkit
  _lint "the core and the CLI build without the sandbox (--no-default-features)" \
    cargo check --quiet -p patchbay-core -p patchbay-cli --no-default-features
  _lint "shellcheck -x (scripts, .ci/run)" \
    shellcheck -x scripts/run scripts/test scripts/measure scripts/fuzz scripts/package scripts/test-package \
    scripts/lib/*.sh .ci/run
  _lint "packaging: desktop entry, AppStream metainfo, versions agree" validate_packaging_sources
  if ((${#_lint_failed[@]})); then
    echo "lints failed: ${_lint_failed[*]}" >&2
    return 1
  fi
}

# --- rust --------------------------------------------------------------------------------------------------------

layer_rust() {
  cd "$REPO" || return
  [[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] || echo "warning: no session bus; keychain and tray tests will fail" >&2
  if command -v cargo-nextest >/dev/null 2>&1; then
    say "cargo nextest run --workspace --no-fail-fast"
    cargo nextest run --workspace --no-fail-fast
  else
    say "cargo-nextest not found: cargo test --workspace --no-fail-fast"
    cargo test --workspace --no-fail-fast
  fi
}

# --- ui ----------------------------------------------------------------------------------------------------------

layer_ui() {
  cd "$REPO" || return
  say "npm run test (vitest)"
  npm run --silent test
}

# --- interop -----------------------------------------------------------------------------------------------------

layer_interop() {
  cd "$REPO" || return
  if [[ ! -d tests/interop/oidc-provider ]]; then
    echo "tests/interop/oidc-provider does not exist: nothing to run" >&2
    return 1
  fi
  say "node --test tests/interop/oidc-provider/"
  node --test tests/interop/oidc-provider/
}

# --- e2e ---------------------------------------------------------------------------------------------------------

layer_e2e() {
  cd "$REPO" || return
  say "building the app binary (a no-op after the rust layer: same feature set)"
  build_tests
  local bin
  bin="$(test_app_binary)"
  [[ -x "$bin" ]] || {
    echo "no app binary at $bin" >&2
    return 1
  }
  [[ -f ui/dist/index.html ]] || {
    echo "ui/dist is missing: npm run build" >&2
    return 1
  }
  mkdir -p "$ARTIFACTS"
  say "e2e: tests/e2e (app $bin, DISPLAY=${DISPLAY:-unset})"
  cd tests/e2e || return
  PATCHBAY_APP_BINARY="$bin" npm test
}
