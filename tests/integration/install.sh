#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# make install puts the programs, the one public header, libkmslocate with its soname, its
# pkg-config file, libnss_kms.so.2 (alone: no .la, no .so link) and the implementation it loads
# (lib/kmsdns/libnss_kms_impl.so), the man pages and the
# examples in place, and a program outside the tree builds against the installed library with
# pkg-config alone and runs. make uninstall removes every file again.
. "$(dirname "$0")/lib.sh"
t_init "$@"
command -v pkg-config >/dev/null || t_skip "pkg-config not installed"
root=$T/root
make -C "$abs_top_builddir" install DESTDIR="$root" >"$T/install.log" 2>&1 ||
	t_fail "make install failed: $(tail -n 20 "$T/install.log")"
prefix=$(sed -n "s/^prefix='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")
p=$root$prefix
for f in bin/kms-locate sbin/kms-publisher include/kmslocate.h lib/pkgconfig/kmslocate.pc \
	share/man/man1/kms-locate.1 share/man/man3/kmslocate.3 share/man/man5/locate.yaml.5 \
	share/man/man5/publisher.yaml.5 share/man/man8/kms-publisher.8 share/man/man8/libnss_kms.8 \
	share/man/man8/nss-kms.8 share/man/man3/kmsl_ctx_new.3 \
	lib/libnss_kms.so.2 lib/kmsdns/libnss_kms_impl.so share/doc/kmsdns/examples/publisher.yaml \
	share/doc/kmsdns/examples/locate.yaml share/doc/kmsdns/examples/demo \
	share/doc/kmsdns/examples/bind/named.conf.kmsdns \
	share/doc/kmsdns/examples/knot/knot.conf.kmsdns; do
	[ -e "$p/$f" ] || t_fail "not installed: $prefix/$f"
done
# The installed pages name the paths of this build, nothing is left to fill in.
sysconfdir=$(sed -n "s/^sysconfdir='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")
sysconfdir=${sysconfdir//\$\{prefix\}/$prefix}
t_assert_contains "$p/share/man/man8/kms-publisher.8" "$sysconfdir/kmsdns/publisher.yaml"
t_assert_contains "$p/share/man/man5/locate.yaml.5" "$sysconfdir/kmsdns/locate.yaml"
! grep -n '@[a-z]*@' "$p"/share/man/man*/* || t_fail "a man page has a path left to fill in"
[ "$(ls "$p/include")" = kmslocate.h ] || t_fail "headers other than kmslocate.h installed: $(ls "$p/include")"
soname=$(objdump -p "$p/lib/libkmslocate.so" | awk '/SONAME/ {print $2}')
t_assert_eq "$soname" "libkmslocate.so.0" "soname"
for f in lib/libnss_kms.la lib/libnss_kms.so lib/kmsdns/libnss_kms_impl.la; do
	[ ! -e "$p/$f" ] || t_fail "installed, but glibc loads libnss_kms.so.2 only: $prefix/$f"
done

cat >"$T/use.c" <<'EOF'
#include <kmslocate.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	kmsl_ctx_t *ctx = NULL;
	kmsl_host_t host;
	int fd = -1;
	if (kmsl_ctx_new(&ctx) != KMSL_OK || kmsl_set_static(ctx, "127.0.0.1:1700") != KMSL_OK ||
	    kmsl_set_probe(ctx, KMSL_PROBE_NONE) != KMSL_OK || kmsl_set_state_path(ctx, NULL) != KMSL_OK)
		return 1;
	kmsl_err_t e = kmsl_connect(ctx, &fd, &host);
	printf("%s %s %u\n", kmsl_strerror(e), host.target, host.port);
	kmsl_ctx_free(ctx);
	return e == KMSL_OK ? 0 : 1;
}
EOF
export PKG_CONFIG_PATH=$p/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
# A sanitizer build's library needs the program linked with the same runtime.
san=$(sed -n "s/^SAN_LDFLAGS='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")
# libkmslocate links ldns and libyaml: a static link needs them, so the .pc names them.
req=$(pkg-config --print-requires-private kmslocate | tr '\n' ' ')
t_assert_eq "$req" "ldns yaml-0.1 " "Requires.private of kmslocate.pc"
# shellcheck disable=SC2046,SC2086
cc -Wall -Werror $san -o "$T/use" "$T/use.c" $(pkg-config --cflags --libs kmslocate) 2>"$T/cc.log" ||
	t_fail "building against the installed library failed: $(cat "$T/cc.log")"
out=$(LD_LIBRARY_PATH=$p/lib "$T/use") || t_fail "program against the installed library failed: $out"
# Probe none: the static host is taken without a connection.
t_assert_eq "$out" "success 127.0.0.1 1700" "output of the installed library"

make -C "$abs_top_builddir" uninstall DESTDIR="$root" >"$T/uninstall.log" 2>&1 ||
	t_fail "make uninstall failed: $(tail -n 20 "$T/uninstall.log")"
left=$(find "$root" -type f -o -type l)
[ -z "$left" ] || t_fail "make uninstall left files behind: $left"
