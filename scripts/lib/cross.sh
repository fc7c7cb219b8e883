# shellcheck shell=bash
# Patchbay type-checked and linted for Windows and macOS on this Linux machine: `cargo clippy -D warnings` of
# every crate of the workspace (the window, the service, the CLI, the MCP server, the core, the sandbox) for each
# target. Nothing is linked or run there: these machines have neither platform's linker, SDK or system.
#
# The toolchain is Debian's (rustc-web, cargo-web, rust-web-clippy) with the standard library's source
# (rust-web-src): `-Zbuild-std` builds each target's std from it, so nothing is downloaded (rustup's toolchain
# here has no std for these targets and none can be fetched). RUSTC_BOOTSTRAP=1 lets that stable compiler take
# -Zbuild-std. clippy-driver is rustc with lints, so its pass is the full type-check `cargo check` would make.
#
# The targets: x86_64-pc-windows-gnu, whose C (ring) MinGW's gcc compiles (windows-msvc would need MSVC's lib.exe;
# the Rust code is the same); aarch64-apple-darwin, whose C (ring, objc2's exception helper) Debian's clang
# compiles freestanding, with scripts/lib/cross/apple standing in for the one SDK header ring includes. The macOS
# side uses no crate that compiles Objective-C against Cocoa (see patchbay-desktop's notify/macos.rs).
#
# Its own target directory (Debian's rustc shares nothing with rustup's): $(target_dir)/cross, kept between CI runs
# like the rest of the target directory.

# shellcheck disable=SC2034 # used by scripts/test
CROSS_APT_PACKAGES=(rustc-web cargo-web rust-web-src rust-web-clippy gcc-mingw-w64-x86-64 clang)
# shellcheck disable=SC2034 # used by layers.sh
CROSS_TARGETS=(x86_64-pc-windows-gnu aarch64-apple-darwin)

# What a person can read of a target.
cross_target_name() {
  case "$1" in
    *-windows-*) echo "Windows ($1)" ;;
    *-apple-darwin) echo "macOS ($1)" ;;
    *) echo "$1" ;;
  esac
}

# The command the lint runs for a target, one word a line (for the log and the README).
cross_command() {
  local target="$1" var="${1//-/_}"
  printf '%s\n' env PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="$(target_dir)/cross" CARGO_INCREMENTAL=0
  if [[ "$target" == *-apple-darwin ]]; then
    printf '%s\n' "CC_$var=clang" \
      "CFLAGS_$var=-ffreestanding -nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem $REPO/scripts/lib/cross/apple"
  fi
  printf '%s\n' cargo clippy --locked --quiet -Zbuild-std --target "$target" --workspace -- -D warnings
}

# Type-check and lint every crate for `target`. Says which tool is missing when the set-up did not run.
cross_clippy() {
  local target="$1" tool
  local compiler=/usr/bin/clang
  [[ "$target" == *-windows-gnu ]] && compiler=/usr/bin/x86_64-w64-mingw32-gcc
  for tool in /usr/bin/rustc /usr/bin/cargo /usr/bin/cargo-clippy /usr/lib/rustlib/src/rust/library "$compiler"; do
    if [[ ! -e "$tool" ]]; then
      echo "$tool is missing: install ${CROSS_APT_PACKAGES[*]} (scripts/test installs them)" >&2
      return 1
    fi
  done
  local -a command
  mapfile -t command < <(cross_command "$target")
  (cd "$REPO" && "${command[@]}")
}
