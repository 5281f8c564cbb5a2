#!/bin/bash
# Builds the installable kubevde CNI binary into cni-plugin/binary/target/cni-bin/:
#   kubevde        the launcher (the CNI `type`), a POSIX sh script
#   kubevde.d/     runtime/ (jlink'd JDK with only the modules jdeps finds), lib/ (jars), kubevde.aot (AOT cache)
# Needs a JDK 25 (found by e2e/lib/env.sh) and the module built (`mvn -pl cni-plugin/binary -am package`); runs that
# Maven build first when a jar is missing or older than the sources (binary and protocol), unless KUBEVDE_CNI_NO_BUILD
# is set (the Maven build itself runs this script in its package phase with it set).
# Install: copy kubevde and kubevde.d/ side by side into the CNI bin dir (e.g. /opt/cni/bin). No JDK needed there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../e2e/lib/env.sh"
kv_java
tgt="$here/target"
jar="$tgt/cni-plugin-0.1.0-SNAPSHOT.jar"
if [ -z "${KUBEVDE_CNI_NO_BUILD:-}" ] && { [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/../protocol/src/main" -newer "$jar" -type f | head -1)" ]; }; then
  (cd "$here/../.." && mvn -B -ntp -q -pl cni-plugin/binary -am package -DskipTests)
fi
proto=$(ls "$tgt"/lib/cni-protocol-*.jar)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
out="$tgt/cni-bin"
rm -rf "$out"
mkdir -p "$out/kubevde.d/lib"
# one application jar, as before the protocol got its own module (cni-protocol): the binary's classes and the
# protocol's, so the launcher's class path (and the jars the JVM opens per call) stay what they were
mkdir "$scratch/classes"
(cd "$scratch/classes" && jar xf "$proto" && jar xf "$jar" && rm -rf META-INF)
jar --create --file "$out/kubevde.d/lib/cni-plugin.jar" -C "$scratch/classes" .
cp "$tgt"/lib/picocli-*.jar "$out/kubevde.d/lib/picocli.jar"
cp_rel="lib/cni-plugin.jar:lib/picocli.jar"

mods=$(jdeps --multi-release 25 --print-module-deps --ignore-missing-deps \
  -cp "$out/kubevde.d/lib/picocli.jar" "$out/kubevde.d/lib/cni-plugin.jar" 2>/dev/null)
echo "kubevde package: jlink modules: $mods"
jlink --add-modules "$mods" --output "$out/kubevde.d/runtime" --strip-debug --no-man-pages --no-header-files \
  --generate-cds-archive

# The JDK's AF_UNIX channel initialises SecureRandom, which parses conf/security/java.security (1662 lines, nearly all
# comments) in the interpreter: keep only the property lines (same Properties, checked once with Properties.equals).
sec="$out/kubevde.d/runtime/conf/security/java.security"
sed -i -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$sec"
# ... and serve the one SecureRandom that the AF_UNIX channel asks for from a tiny provider of ours, listed first
# (io.kubevde.cni.plugin.UrandomProvider: ~14 ms less per call); the JDK's providers follow, renumbered.
awk -F= '/^security\.provider\.[0-9]+=/ { split($1, k, "."); print "security.provider." (k[3] + 1) "=" substr($0, index($0, "=") + 1); next } { print }' \
  "$sec" >"$sec.new"
{ echo "security.provider.1=io.kubevde.cni.plugin.UrandomProvider"; cat "$sec.new"; } >"$sec"
rm -f "$sec.new"

# JVM flags shared by the training run and the launcher: AOT cache + SerialGC (platform-notes.md), and -Xint: a
# CNI call runs ~40 ms of Java, too short for JIT compilation to pay off; measured here (median of 15, VERSION and
# DEL-without-agent): -Xint 50-60 ms wall / 30-40 ms CPU vs C1-only (TieredStopAtLevel=1) 61-71 ms / 40-60 ms.
# Logging of the AOT/CDS machinery goes to stderr only: stdout belongs to the CNI result.
# -Djdk.reflect.useNativeAccessorOnly: the JDK's unix socket channel initialises SecureRandom, whose provider is
# created reflectively; the default method-handle accessor spins classes at run time (~3 ms here).
# -XX:ActiveProcessorCount=1: a single-threaded call; the JVM sizes fewer internal pools (~3-6 ms less here).
# -Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.EPollSelectorProvider names the JDK's default provider, so the
# first channel does not run a ServiceLoader scan of the class path jars for another one (~15 ms less here).
# -XX:-UseContainerSupport: heap and CPU count are set explicitly, no need to read the cgroup files.
flags="-XX:+UseSerialGC -Xint -XX:ActiveProcessorCount=1 -XX:-UseContainerSupport -XX:-UsePerfData -Xms8m -Xmx128m"
flags="$flags -Djdk.reflect.useNativeAccessorOnly=true -Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.EPollSelectorProvider"
flags="$flags -Xlog:disable -Xlog:all=error:stderr"
# the training run: same class path and flags as the launcher, run from kubevde.d so the recorded paths are relative;
# a stand-in agent runs in its own JVM so that only the client's classes go into the cache
sock="$scratch/agent.sock"
(cd "$out/kubevde.d" && ./runtime/bin/java -cp "$cp_rel" io.kubevde.cni.plugin.AotTraining agent "$sock" 6 2>"$scratch/agent.log") &
agent=$!
(cd "$out/kubevde.d" && ./runtime/bin/java $flags -XX:AOTCacheOutput=kubevde.aot -cp "$cp_rel" \
  io.kubevde.cni.plugin.AotTraining client "$sock" >"$scratch/train.log" 2>&1) || { cat "$scratch/train.log" >&2; kill $agent 2>/dev/null; exit 1; }
wait $agent || { echo "kubevde package: training agent failed" >&2; cat "$scratch/agent.log" >&2; exit 1; }
[ -s "$out/kubevde.d/kubevde.aot" ] || { echo "kubevde package: no AOT cache written" >&2; cat "$scratch/train.log" >&2; exit 1; }

cat > "$out/kubevde" <<LAUNCHER
#!/bin/sh
# kubevde CNI plugin launcher: runs the jlink'd runtime in kubevde.d/ beside this script (no installed JDK needed).
# Shell builtins only until the exec (each fork costs milliseconds on the pod start-up path).
self=\$0
case \$self in */*) ;; *) self=\$(command -v "\$self") ;; esac
[ -L "\$self" ] && self=\$(readlink -f "\$self")
cd "\${self%/*}/kubevde.d" 2>/dev/null || { echo '{"cniVersion":"1.1.0","code":5,"msg":"kubevde.d/ not found beside the kubevde launcher"}'; exit 1; }
PATH="\${PATH:-/usr/bin:/bin}:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH
# Optional burst gate: if kubevde.d/max-concurrent holds N > 0, at most N JVMs of this binary run at once on the node
# (flock on slot PID mod N under \$KUBEVDE_CNI_SLOT_DIR, default /run/kubevde/cni-slots); costs one flock exec.
if [ -r max-concurrent ] && read n <max-concurrent && [ "\$n" -gt 0 ] 2>/dev/null && command -v flock >/dev/null; then
  slots=\${KUBEVDE_CNI_SLOT_DIR:-/run/kubevde/cni-slots}
  [ -d "\$slots" ] || mkdir -p "\$slots"
  exec flock "\$slots/slot\$((\$\$ % n))" ./runtime/bin/java $flags -XX:AOTCache=kubevde.aot -cp "$cp_rel" io.kubevde.cni.plugin.CniPluginMain "\$@"
fi
exec ./runtime/bin/java $flags -XX:AOTCache=kubevde.aot -cp "$cp_rel" io.kubevde.cni.plugin.CniPluginMain "\$@"
LAUNCHER
chmod 755 "$out/kubevde"
du -sh "$out/kubevde.d" | sed 's/^/kubevde package: size /'
echo "kubevde package: $out/kubevde"
