#!/usr/bin/env bash
# samba-install.sh - install the Debian packages the Samba AD DC tests need.
# Run as root. The package scripts would start Samba daemons on every
# interface; a temporary policy-rc.d stops that.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  samba samba-dsdb-modules samba-vfs-modules samba-ad-provision winbind ldb-tools ldap-utils >/dev/null
if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
# The packages enable the distribution's daemons; the tests run their own DC.
for s in samba-ad-dc smbd nmbd winbind; do
  systemctl disable --now "$s" >/dev/null 2>&1 || true
done
