# shellcheck shell=bash
# Shared by scripts/package, scripts/test-package and the lints layer: versions, the Debian changelog, sizes and
# the validators. Source after common.sh.

# The validators and the .rpm reader (not needed to build or test the app itself).
# shellcheck disable=SC2034 # used by the scripts that source this file
PACKAGE_TOOLS=(lintian rpm appstream desktop-file-utils help2man binutils systemd)
# shellcheck disable=SC2034
ARTIFACTS_PACKAGES="${PATCHBAY_ARTIFACTS:-$REPO/artifacts}/packages"
METAINFO="$REPO/packaging/linux/dev.patchbay.app.metainfo.xml"
DESKTOP_TEMPLATE="$REPO/packaging/linux/patchbay.desktop.hbs"

# The workspace version (Cargo.toml's [workspace.package]); tauri.conf.json has none, so the app uses it too.
workspace_version() {
  awk '/^\[workspace.package\]/ { on = 1; next } /^\[/ { on = 0 } on && /^version *=/ { gsub(/"/, "", $3); print $3; exit }' \
    "$REPO/Cargo.toml"
}

# CHANGELOG.md's newest released version and date: "0.1.0 2026-11-30".
changelog_newest() {
  sed -n 's/^## \[\([0-9][^]]*\)\] - \([0-9-]*\).*/\1 \2/p' "$REPO/CHANGELOG.md" | head -1
}

# Cargo.toml, CHANGELOG.md and the AppStream <releases> must name the same newest version (and date).
check_versions() {
  local cargo changelog date appstream
  cargo="$(workspace_version)"
  read -r changelog date <<<"$(changelog_newest)"
  appstream="$(grep -o '<release version="[^"]*" date="[^"]*"' "$METAINFO" | head -1)"
  if [[ "$cargo" != "$changelog" ]]; then
    echo "Cargo.toml says version $cargo but CHANGELOG.md's newest entry is ${changelog:-missing}: add a section for $cargo" >&2
    return 1
  fi
  if [[ "$appstream" != "<release version=\"$cargo\" date=\"$date\"" ]]; then
    echo "the AppStream metainfo's newest release is '${appstream:-none}', not version $cargo of $date (CHANGELOG.md):" >&2
    echo "add <release version=\"$cargo\" date=\"$date\"> to $METAINFO" >&2
    return 1
  fi
  echo "version $cargo of $date everywhere"
}

# A Debian changelog entry for VERSION, from CHANGELOG.md's newest released section (its bullet lines' first
# sentences; an [Unreleased] section is not the package's yet).
debian_changelog() {
  local version="$1" date
  read -r _ date <<<"$(changelog_newest)"
  printf 'patchbay (%s) unstable; urgency=medium\n\n' "$version"
  # One line per bullet (joining its continuation lines), folded at 76 columns with Debian's indentation.
  awk '/^## \[Unreleased\]/ { skip = 1; next }
       /^## \[/ { skip = 0; n++; next }
       skip { next }
       n == 1 && /^- / { if (item) print item; item = substr($0, 3); next }
       n == 1 && /^  [^ ]/ && item { sub(/^ +/, ""); item = item " " $0; next }
       n == 1 && item { print item; item = "" }
       END { if (item) print item }' "$REPO/CHANGELOG.md" |
    sed 's/\*\*//g' | while IFS= read -r item; do
    printf '%s\n' "$item" | fold -s -w 74 | sed '1s/^/  * /; 2,$s/^/    /; s/ *$//'
  done
  printf '\n -- The Patchbay developers <maintainers@patchbay.dev>  %s\n' \
    "$(LC_ALL=C date -u -d "$date 12:00" '+%a, %d %b %Y %H:%M:%S +0000')"
}

# The manual page of the `patchbay` command: help2man on its --help, with each command's own --help after it.
cli_manual() {
  local cli="$1" version="$2" include sub
  include="$(mktemp)"
  {
    printf '[COMMANDS]\n'
    for sub in $("$cli" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'); do
      [[ "$sub" == help ]] && continue
      printf '.SS "patchbay %s"\n.nf\n' "$sub"
      "$cli" "$sub" --help | sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
      printf '.fi\n'
    done
    printf '[FILES]\n.TP\n.I ~/.local/share/patchbay/\nConnections and their sealed secrets (PATCHBAY_DATA_DIR overrides it); the vault key is in the keychain.\n'
    printf '[SEE ALSO]\n.BR patchbay-app (1)\n'
  } >"$include"
  help2man --no-info --no-discard-stderr --version-string="$version" --include="$include" \
    --name="the command-line companion of Patchbay, a personal integration service for Microsoft 365" "$cli"
  rm -f "$include"
}

# The versioned shared-library dependencies of binaries, one per line ("libc6 (>= 2.34)"), from dpkg-shlibdeps.
shlib_depends() {
  local dir
  dir="$(mktemp -d)"
  mkdir -p "$dir/debian"
  printf 'Source: patchbay\n\nPackage: patchbay\nArchitecture: any\n' >"$dir/debian/control"
  (cd "$dir" && dpkg-shlibdeps -O "${@/#/-e}" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p' | sed 's/, /\n/g'
  rm -rf "$dir"
}

# The desktop entry as the bundler writes it (its Handlebars template with the package's values).
render_desktop_entry() {
  sed -e 's/{{name}}/Patchbay/g' -e 's/{{exec}}/patchbay-app/g' -e 's/{{icon}}/patchbay-app/g' \
    -e 's/{{comment}}/Personal integration service for Microsoft 365/g' "$DESKTOP_TEMPLATE"
}

SYSTEMD_UNIT="$REPO/packaging/linux/patchbay.service"

# `systemd-analyze verify` on a user unit. Before the package is installed its program is not at /usr/bin, so the
# lints layer verifies a copy whose ExecStart names a program that is there (`program`); the installed unit is
# verified as it is (scripts/test-package).
verify_systemd_unit() {
  local unit="$1" program="${2:-}" dir rc=0
  dir="$(mktemp -d)"
  if [[ -n "$program" ]]; then
    sed "s|^ExecStart=/usr/bin/patchbay-service|ExecStart=$program|" "$unit" >"$dir/patchbay.service"
    unit="$dir/patchbay.service"
  fi
  XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$dir}" systemd-analyze --user verify --man="${VERIFY_MAN:-no}" "$unit" || rc=1
  rm -rf "$dir"
  return "$rc"
}

# The packaging sources, without building anything (the lints layer): the rendered desktop entry, the AppStream
# metainfo, the systemd user unit and the versions.
validate_packaging_sources() {
  local dir rc=0
  dir="$(mktemp -d)"
  render_desktop_entry >"$dir/Patchbay.desktop"
  desktop-file-validate "$dir/Patchbay.desktop" || rc=1
  verify_systemd_unit "$SYSTEMD_UNIT" "$(command -v true)" || rc=1
  appstreamcli validate --no-net --pedantic "$METAINFO" || rc=1
  check_versions || rc=1
  rm -rf "$dir"
  return "$rc"
}

# Download and installed sizes of the packages.
print_sizes() {
  local deb="$1" rpm="$2" kib
  kib="$(dpkg-deb -f "$deb" Installed-Size)"
  printf '  %-40s download %6s KiB   installed %6s KiB\n' "$(basename "$deb")" "$(($(stat -c %s "$deb") / 1024))" "$kib"
  printf '  %-40s download %6s KiB   installed %6s KiB\n' "$(basename "$rpm")" "$(($(stat -c %s "$rpm") / 1024))" \
    "$(($(rpm -qp --queryformat '%{SIZE}' "$rpm" 2>/dev/null) / 1024))"
}

# desktop-file-validate and appstreamcli on what the .deb installs, lintian on the .deb, and the .rpm's file
# list against the .deb's. Lintian errors fail; its warnings are printed.
validate_packages() {
  local deb="$1" rpm="$2" dir rc=0 errors
  dir="$(mktemp -d)"
  dpkg-deb -x "$deb" "$dir/deb"
  printf '\n  contents of %s:\n' "$(basename "$deb")"
  (cd "$dir/deb" && find . -type f -printf '    /%P  %s bytes\n' | sort)
  printf '\n  desktop-file-validate:\n'
  local entry
  for entry in "$dir"/deb/usr/share/applications/*.desktop; do
    if desktop-file-validate "$entry"; then note "  $(basename "$entry"): valid"; else rc=1; fi
  done
  printf '\n  appstreamcli validate --no-net --pedantic:\n'
  appstreamcli validate --no-net --pedantic "$dir"/deb/usr/share/metainfo/*.xml | sed 's/^/    /' || rc=1
  printf '\n  lintian:\n'
  lintian --info --display-level '>=pedantic' --no-tag-display-limit "$deb" >"$dir/lintian.txt" 2>&1 || true
  sed 's/^/    /' "$dir/lintian.txt"
  errors="$(grep -c '^E: ' "$dir/lintian.txt" || true)"
  note "lintian: $errors error(s), $(grep -c '^W: ' "$dir/lintian.txt" || true) warning(s), $(grep -c '^[IP]: ' "$dir/lintian.txt" || true) info/pedantic"
  ((errors == 0)) || rc=1
  # Documentation aside, and zsh's folder for vendor completions, which Debian and Fedora name differently.
  printf '\n  the .rpm holds the same files:\n'
  if diff <(cd "$dir/deb" && find . -type f -printf '/%P\n' | grep -v '^/usr/share/doc/' |
    sed 's|^/usr/share/zsh/vendor-completions/|/usr/share/zsh/site-functions/|' | sort) \
    <(rpm -qpl "$rpm" 2>/dev/null | grep -v '^/usr/share/doc/' | while read -r f; do [[ -d "$dir/deb$f" ]] || echo "$f"; done | sort); then
    note "  same files (documentation and zsh's completion folder aside)"
  else
    rc=1
  fi
  rm -rf "$dir"
  return "$rc"
}
