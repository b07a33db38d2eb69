#!/usr/bin/env bash
# Install the Debian 12 packages weir needs to build, test and run its demo.
# Idempotent: installs only what is missing, and touches apt only then.
set -euo pipefail

# dpdk-dev brings dpdk-testpmd, the baseline of `make bench` (Debian's dpdk does not);
# lua5.4 runs the Pktgen scripts on a mock in `make test`; clang-format and
# binutils (nm) run its format and layout checks; clang builds the libFuzzer
# targets (tests/fuzz); wrk loads the backends in e2e-health; libhttp-parser-dev
# is the baseline of bench_http; python3-websockets speaks to weir in e2e-http;
# libssl-dev is lib/jwt's libcrypto (OpenSSL 3: HMAC, RSA, ECDSA);
# nginx and haproxy are bench/http_e2e.py's reference proxies and its backend
# (it runs its own instances in network namespaces; on a systemd host Debian
# also starts their system services).
packages=(
    gcc make pkg-config meson ninja-build
    libdpdk-dev dpdk dpdk-dev librte-net-pcap23 librte-net-tap23 librte-net-virtio23 librte-net-vhost23
    libjansson-dev libjwt-dev libmaxminddb-dev libcmocka-dev libssl-dev
    python3 python3-scapy lua5.4 clang clang-format binutils
    iproute2 iputils-ping procps curl wrk libhttp-parser-dev python3-websockets
    nginx haproxy util-linux
)

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
