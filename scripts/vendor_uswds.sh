#!/usr/bin/env bash
# Vendor the U.S. Web Design System (USWDS) from its npm package into
# src/duecourse/web/static/uswds/, reproducibly: the pinned version's tarball is fetched with
# `npm pack`, checked against the pinned integrity (which must also be the registry's
# dist.integrity), and exactly these files are copied, with the relative paths the CSS expects:
#
#   css/uswds.min.css, js/uswds.min.js, js/uswds-init.min.js, LICENSE.md,
#   every image and font the CSS references by url(), except
#     - Merriweather and Roboto Mono (the pages use only the sans family, Source Sans Pro;
#       site.css keeps headings in it), and
#     - img/hero.jpg (the hero component is not used).
#
# Usage: scripts/vendor_uswds.sh            (from the repository root)
# To update: change VERSION and INTEGRITY (npm view @uswds/uswds@X.Y.Z dist.integrity), run,
# and update src/duecourse/web/static/README.md.
set -euo pipefail

VERSION=3.14.0
INTEGRITY=sha512-kwZ50TqGszxj3+MQhm+c84hI0y8rIKoc7ZLKbuHg+8rTkFisp9lXOMRD2wclyyuYZahpADxMvaPong7bwL7cew==
EXCLUDE='^(fonts/merriweather/|fonts/roboto-mono/|img/hero\.jpg$)'

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/duecourse/web/static/uswds"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

registry="$(npm view "@uswds/uswds@$VERSION" dist.integrity)"
if [ "$registry" != "$INTEGRITY" ]; then
  echo "The registry's integrity for @uswds/uswds@$VERSION is $registry, not the pinned $INTEGRITY" >&2
  exit 1
fi
(cd "$work" && npm pack --silent "@uswds/uswds@$VERSION" >/dev/null)
tarball="$work/uswds-uswds-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "The downloaded tarball's integrity is $actual, not the pinned $INTEGRITY" >&2
  exit 1
fi
tar xzf "$tarball" -C "$work"
dist="$work/package/dist"

# The files the CSS references, relative to dist/ (url(../fonts/…) and url(../img/…)).
referenced="$(grep -o 'url([^)]*)' "$dist/css/uswds.min.css" \
  | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' \
  | grep '^\.\./' | sed 's#^\.\./##' | sort -u | grep -Ev "$EXCLUDE")"

rm -rf "$dest"
mkdir -p "$dest"
copy() { mkdir -p "$dest/$(dirname "$2")"; cp "$1" "$dest/$2"; }
copy "$work/package/LICENSE.md" LICENSE.md
copy "$dist/css/uswds.min.css" css/uswds.min.css
copy "$dist/js/uswds.min.js" js/uswds.min.js
copy "$dist/js/uswds-init.min.js" js/uswds-init.min.js
for f in $referenced; do
  copy "$dist/$f" "$f"
done
echo "Vendored @uswds/uswds@$VERSION: $(find "$dest" -type f | wc -l) files, $(du -sh "$dest" | cut -f1)"
