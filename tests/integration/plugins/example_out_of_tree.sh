#!/bin/sh
# plugins/example builds out of tree against the installed header only:
# install the plugin-dev component to a temporary prefix, compile the
# example with plain cc and pkg-config, and check it with warmpoolctl.
# usage: example_out_of_tree.sh BUILD_DIR SOURCE_DIR WARMPOOLCTL
set -eu
build=$1 src=$2 ctl=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" --component plugin-dev >/dev/null
test -f "$tmp/prefix/include/warmpool/plugin.h"
pc=$(find "$tmp/prefix" -name warmpool-plugin.pc)
test -n "$pc"
export PKG_CONFIG_PATH="$(dirname "$pc")"
cflags=$(pkg-config --cflags warmpool-plugin | sed 's/ *$//')
test "$(realpath "${cflags#-I}")" = "$(realpath "$tmp/prefix/include")" || { echo "cflags: $cflags"; exit 1; }
cp "$src/plugins/example/example.c" "$tmp/"
cd "$tmp"
# Plain cc, C99, nothing from the source tree on the include path.
cc -std=c99 -Wall -Wextra -Werror -pedantic -shared -fPIC -fvisibility=hidden $cflags example.c -o example.so
exported=$(nm -D --defined-only example.so | awk '{print $3}' | grep -v '^_' || true)
test "$exported" = "warmpool_plugin_entry" || { echo "exports: $exported"; exit 1; }
printf 'greeting: hi\n' > example.yaml
"$ctl" plugin check --config example.yaml ./example.so > out.txt 2> log.txt || { cat out.txt log.txt; exit 1; }
grep -q '^  example 1.0.0: hook (ABI 1.1)$' out.txt
grep -q '^  ok       health ' out.txt
grep -q '^  ok       sample event ' out.txt
grep -q '"msg":"hi: ready default/check (pod 127.0.0.1, attempt 1)","plugin":"check"' log.txt || { cat log.txt; exit 1; }
echo "example plugin: built out of tree and usable"
