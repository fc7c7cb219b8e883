# shellcheck shell=bash
# A private headless desktop session for tests and measurements: Xvfb on a free display, a temporary HOME, a
# D-Bus session bus (dbus-run-session) and an unlocked gnome-keyring (Secret Service). Source after common.sh.

HEADLESS_XVFB_PID=""
HEADLESS_HOME=""
HEADLESS_KEYRING_PID=""

# Keep the real toolchain and caches when HOME is replaced by a temporary one.
export_real_homes() {
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
  export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
  # tauri-driver / cargo-installed tools stay reachable.
  case ":$PATH:" in
    *":$CARGO_HOME/bin:"*) ;;
    *) export PATH="$CARGO_HOME/bin:$PATH" ;;
  esac
}

# Start Xvfb on the first free display (Xvfb -displayfd picks it) and export DISPLAY.
start_xvfb() {
  local out
  out="$(mktemp)"
  Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp 9>"$out" >/dev/null 2>&1 &
  HEADLESS_XVFB_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -s "$out" ]]; then
      break
    fi
    if ! kill -0 "$HEADLESS_XVFB_PID" 2>/dev/null; then
      rm -f "$out"
      die "Xvfb did not start"
    fi
    sleep 0.1
  done
  [[ -s "$out" ]] || die "Xvfb did not report its display within 10 s"
  DISPLAY=":$(tr -dc '0-9' <"$out")"
  export DISPLAY
  rm -f "$out"
  unset WAYLAND_DISPLAY
  note "Xvfb on DISPLAY=$DISPLAY (pid $HEADLESS_XVFB_PID)"
}

stop_xvfb() {
  if [[ -n "$HEADLESS_XVFB_PID" ]]; then
    kill "$HEADLESS_XVFB_PID" 2>/dev/null || true
    wait "$HEADLESS_XVFB_PID" 2>/dev/null || true
    HEADLESS_XVFB_PID=""
  fi
}

# A throwaway HOME (the keyring file and deep-link .desktop handlers land there, not in the real one).
make_temp_home() {
  export_real_homes
  HEADLESS_HOME="$(mktemp -d /tmp/patchbay-home.XXXXXX)"
  mkdir -p "$HEADLESS_HOME/.cache" "$HEADLESS_HOME/.local/share/keyrings" "$HEADLESS_HOME/.config"
  export HOME="$HEADLESS_HOME"
  unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME
  note "temporary HOME=$HOME"
}

remove_temp_home() {
  if [[ -n "$HEADLESS_HOME" && -d "$HEADLESS_HOME" ]]; then
    rm -rf "$HEADLESS_HOME"
    HEADLESS_HOME=""
  fi
}

# Inside the dbus session: an unlocked Secret Service. Prints nothing on success.
start_keyring() {
  local out
  out="$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" ||
    die "gnome-keyring-daemon could not start"
  eval "$out"
  export GNOME_KEYRING_CONTROL
  # Wait until org.freedesktop.secrets answers on the bus.
  local i
  for ((i = 0; i < 50; i++)); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      HEADLESS_KEYRING_PID="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
        awk '/uint32/ { print $2 }')"
      note "gnome-keyring (Secret Service) unlocked on the session bus (pid ${HEADLESS_KEYRING_PID:-?})"
      return 0
    fi
    sleep 0.1
  done
  die "the Secret Service (gnome-keyring) did not appear on the session bus"
}

# The keyring daemon also exits when its session bus closes; end it explicitly, by its pid.
stop_keyring() {
  if [[ -n "$HEADLESS_KEYRING_PID" ]]; then
    kill "$HEADLESS_KEYRING_PID" 2>/dev/null || true
    HEADLESS_KEYRING_PID=""
  fi
}
