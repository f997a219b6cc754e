#!/usr/bin/env bash
# Vendors the NL Design System CSS that the web application serves, from the npm registry at
# pinned versions, so that building and running loep needs no npm:
#   - @utrecht/component-library-css: html.css, the Utrecht components applied to plain
#     semantic HTML inside `.utrecht-html` (headings, paragraphs, links, tables, forms, buttons);
#   - @nl-design-system-unstable/voorbeeld-design-tokens: theme.css, the neutral example theme
#     whose tokens (`.voorbeeld-theme`) the components read.
# Both are EUPL-1.2; their licence comes along. Run again after changing a version below, and
# commit what it writes. `npm pack` checks each tarball against the registry's integrity hash.
#
#   bash crates/web/static/nlds/vendor.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
UTRECHT=@utrecht/component-library-css@9.0.4
TOKENS=@nl-design-system-unstable/voorbeeld-design-tokens@7.4.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "$UTRECHT" "$TOKENS" >/dev/null
mkdir utrecht tokens
tar xzf utrecht-component-library-css-*.tgz -C utrecht
tar xzf nl-design-system-unstable-voorbeeld-design-tokens-*.tgz -C tokens

cp utrecht/package/dist/html.css "$here/utrecht-html.css"
cp tokens/package/dist/theme.css "$here/voorbeeld-theme.css"
cp utrecht/package/LICENSE.md "$here/LICENSE-EUPL-1.2.md"
cat >"$here/VERSIONS" <<VERSIONS
$UTRECHT dist/html.css -> utrecht-html.css
$TOKENS dist/theme.css -> voorbeeld-theme.css
VERSIONS
echo "vendored into $here:"
ls -l "$here"
