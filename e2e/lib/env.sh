# Sourced by kubevde's scripts: finds JDK 25, installs the Debian packages the tests and demos need.
# Idempotent and quiet when everything is present. Usage: . e2e/lib/env.sh; kv_java; kv_apt pkg...

kv_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }
# always this checkout: an inherited KUBEVDE_ROOT from a shell that sourced another checkout must not win
KUBEVDE_ROOT="$(kv_root)"
export KUBEVDE_ROOT

# Every cached build (Kubernetes binaries, Go's module and build caches for them, image base packages) lives under
# one per-user directory. An empty KUBEVDE_CACHE_DIR reproduces a fresh machine: everything is built or downloaded
# again, before any network namespace is entered (see e2e/README.md "Caches and the fresh-machine path").
KUBEVDE_CACHE_DIR="${KUBEVDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubevde}"
export KUBEVDE_CACHE_DIR
# Maven's local repository: Maven's own default unless KUBEVDE_MAVEN_REPO names another (an empty one = fresh machine).
KUBEVDE_MAVEN_REPO="${KUBEVDE_MAVEN_REPO:-$HOME/.m2/repository}"
export KUBEVDE_MAVEN_REPO

# kv_in_netns: true when this shell's network namespace has no default route (IPv4 or IPv6), as in the namespaces
# the e2e scripts create: the registries cannot be reached from there, so installing or downloading there is a bug and
# the install helpers refuse with a message instead of failing on name lookups.
kv_in_netns() {
  [ -z "$(ip -4 route show default 2>/dev/null)$(ip -6 route show default 2>/dev/null)" ]
}

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
  if kv_in_netns; then
    echo "kubevde: Debian packages ${missing[*]} are missing and this shell is inside a network namespace (no network):" \
      "install them from the host namespace first (apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "kubevde: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "kubevde: not root: cannot apt-get install ${missing[*]}" >&2; return 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# The packages the data-plane tests and demos use (vde-protocols.md §11 and the benchmarks).
KV_TEST_PACKAGES=(vdeplug vde-switch vde2 iperf3 iproute2 iputils-ping tcpdump procps psmisc ethtool nftables)
# e2e/node/run: containerd + runc + CNI plugins, image tools, a static C toolchain for the pause image, PKI, probes.
KV_NODE_PACKAGES=(containerd runc containernetworking-plugins umoci skopeo gcc libc6-dev openssl curl util-linux tcpdump
  openssh-server openssh-client vde-switch vdeplug iputils-ping) # + the external-link step (sshd, vde_switch), the rollout pings
# e2e/images/build (and the images module's tests, which run the images with containerd).
KV_IMAGE_PACKAGES=(umoci skopeo containerd runc)

# kv_mvn ARGS...: runs Maven in batch mode with JDK 25.
kv_mvn() { (cd "$KUBEVDE_ROOT" && mvn -B -ntp "-Dmaven.repo.local=$KUBEVDE_MAVEN_REPO" "$@"); }

# kv_m2_jars GROUP_PATH...: the jars (no sources) under those group directories of the local Maven repository,
# joined with ':' (a class path), e.g. kv_m2_jars com/marcnuri/helm-java net/java/dev/jna
kv_m2_jars() {
  local d dirs=()
  for d in "$@"; do [ -d "$KUBEVDE_MAVEN_REPO/$d" ] && dirs+=("$KUBEVDE_MAVEN_REPO/$d"); done
  [ ${#dirs[@]} -gt 0 ] || return 0
  find "${dirs[@]}" -name '*.jar' ! -name '*sources*' | sort | tr '\n' ':'
}

# The Kubernetes commands any suite uses (operator/agent/chart tests: kube-apiserver; e2e/node: the rest).
KV_K8S_ALL_COMPONENTS="kube-apiserver kubelet kube-controller-manager kube-scheduler"
