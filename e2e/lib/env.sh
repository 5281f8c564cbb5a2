# Sourced by kubevde's scripts: finds JDK 25, installs the Debian packages the tests and demos need.
# Idempotent and quiet when everything is present. Usage: . e2e/lib/env.sh; kv_java; kv_apt pkg...

kv_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }
# always this checkout: an inherited KUBEVDE_ROOT from a shell that sourced another checkout must not win
KUBEVDE_ROOT="$(kv_root)"
export KUBEVDE_ROOT

# kv_java: sets JAVA_HOME to a JDK 25 (JAVA_HOME if it already is one, else /usr/lib/jvm/*25*), puts it first on PATH.
kv_java() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /opt/java/openjdk /opt/jdk-25*; do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    if "$cand/bin/java" -version 2>&1 | grep -q 'version "25'; then
      export JAVA_HOME="$cand"; export PATH="$JAVA_HOME/bin:$PATH"; return 0
    fi
  done
  echo "kubevde: no JDK 25 found (looked in \$JAVA_HOME and /usr/lib/jvm); install a Temurin JDK 25" >&2
  return 1
}

# kv_apt PKG...: installs the Debian packages that are missing (runs apt-get update once per call when needed).
kv_apt() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "kubevde: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "kubevde: not root: cannot apt-get install ${missing[*]}" >&2; return 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# The packages the data-plane tests and demos use (vde-protocols.md §11 and the benchmarks).
KV_TEST_PACKAGES=(vdeplug vde-switch vde2 iperf3 iproute2 iputils-ping tcpdump procps psmisc ethtool)

# kv_mvn ARGS...: runs Maven in batch mode with JDK 25.
kv_mvn() { (cd "$KUBEVDE_ROOT" && mvn -B -ntp "$@"); }
