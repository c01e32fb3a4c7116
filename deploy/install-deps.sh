#!/usr/bin/env bash
# Install everything lime needs to build and test on Debian 12, and rebuild
# libsrtp2 from Debian's source package against OpenSSL.
#
# Idempotent: a second run installs nothing new and skips the libsrtp2 build
# when the OpenSSL-backed library is already in place.
#
# Environment:
#   LIME_SRTP_PREFIX  where the OpenSSL build of libsrtp2 goes
#                     (default /opt/lime/libsrtp2)
#   LIME_TEST_DEPS    set to 1 to add the packages that only tests use:
#                     prometheus, whose promtool checks the metrics
#                     exposition (Debian 12: 22.5 MB to download, 332 MB
#                     installed with its dependencies, so it is not in the
#                     default list)
set -euo pipefail

SRTP_PREFIX=${LIME_SRTP_PREFIX:-/opt/lime/libsrtp2}
SRTP_STAMP="$SRTP_PREFIX/.lime-openssl-build"

PACKAGES=(
	build-essential pkg-config meson ninja-build git
	dpdk dpdk-dev libdpdk-dev
	libssl-dev openssl
	liburing-dev libyaml-dev libpcap-dev
	libcmocka-dev
	clang libclang-rt-14-dev
	libnss3
	python3 python3-scapy python3-cryptography tcpdump curl
	dpkg-dev devscripts fakeroot
)
if [ "${LIME_TEST_DEPS:-0}" = 1 ]; then
	PACKAGES+=(prometheus)
fi

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

missing_packages() {
	local pkg
	for pkg in "${PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
			echo "$pkg"
		fi
	done
}

# Debian 12 images describe their archives in deb822 files; source packages
# need the deb-src type on the same entries.
enable_deb_src() {
	local f changed=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		if grep -q '^Types: deb$' "$f"; then
			as_root sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
			changed=1
		fi
	done
	if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list &&
		! grep -q '^deb-src ' /etc/apt/sources.list; then
		grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
			as_root tee -a /etc/apt/sources.list >/dev/null
		changed=1
	fi
	echo "$changed"
}

install_packages() {
	local missing
	missing=$(missing_packages)
	local src_changed
	src_changed=$(enable_deb_src)
	if [ -n "$missing" ] || [ "$src_changed" = 1 ] || [ ! -d /var/lib/apt/lists ] ||
		[ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -i source)" ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	fi
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	fi
}

# Debian's binary libsrtp2 uses NSS for its ciphers, which is several times
# slower than OpenSSL and degrades as sessions accumulate. Rebuild the same
# upstream source with the OpenSSL backend into a private prefix.
build_libsrtp2() {
	if [ -f "$SRTP_STAMP" ] && [ -f "$SRTP_PREFIX/lib/pkgconfig/libsrtp2.pc" ]; then
		echo "install-deps: libsrtp2 (OpenSSL) already in $SRTP_PREFIX"
		return
	fi

	as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q libsrtp2 >/dev/null || true

	local work
	work=$(mktemp -d)
	(
		cd "$work"
		apt-get source -q libsrtp2 >/dev/null
		cd libsrtp2-*/
		./configure --prefix="$SRTP_PREFIX" --enable-openssl --disable-nss \
			--disable-log-stdout CFLAGS="-O2 -g -fPIC" >/dev/null
		make -j"$(nproc)" shared_library libsrtp2.a >/dev/null
		as_root make install >/dev/null
	)
	rm -rf "$work"

	if ! grep -q -- '-lcrypto' "$SRTP_PREFIX/lib/pkgconfig/libsrtp2.pc"; then
		echo "install-deps: libsrtp2 in $SRTP_PREFIX was not built against OpenSSL" >&2
		exit 1
	fi
	as_root touch "$SRTP_STAMP"
	echo "install-deps: built libsrtp2 with OpenSSL into $SRTP_PREFIX"
}

install_packages
build_libsrtp2
