# kubevde kind suite: a private Docker engine (sourced by e2e/kind/run and e2e/kind/node-image).
# platform-notes.md "Docker engine here": Debian's docker.io 20.10, started by hand (PID 1 is not systemd), with its
# own data root (under $KIND_CACHE, so the node image survives between runs), exec root, socket and pidfile (under
# $KV_ENGINE_RUN), --iptables=false (dockerd would otherwise set the host's FORWARD policy to DROP and filter every
# Linux bridge on the machine), and the runc wrapper that drops CAP_SYS_RESOURCE for --privileged.
# Exports DOCKER_HOST for the docker CLI and kind. Stopped by PID (kv_engine_stop), never by name.

# kv_engine_start: starts dockerd unless this run's socket already answers; sets DOCKER_HOST.
kv_engine_start() {
  KV_ENGINE_RUN="${KV_ENGINE_RUN:-/tmp/kubevde-kind-engine}"
  mkdir -p "$KV_ENGINE_RUN" "$KIND_CACHE/docker"
  export DOCKER_HOST="unix://$KV_ENGINE_RUN/docker.sock"
  if [ -S "$KV_ENGINE_RUN/docker.sock" ] && docker info >/dev/null 2>&1; then
    kv_log "dockerd already running on $DOCKER_HOST (pid $(cat "$KV_ENGINE_RUN/docker.pid" 2>/dev/null)); not ours to stop"
    KV_ENGINE_PID=""
    return 0
  fi
  command -v dockerd >/dev/null || kv_apt docker.io
  install -m 0755 "$KIND_HERE/lib/runc-nosysres" "$KV_ENGINE_RUN/runc-nosysres"
  iptables -S FORWARD > "$KV_ENGINE_RUN/forward.before" 2>/dev/null || true
  kv_engine_bridges > "$KV_ENGINE_RUN/bridges.before"
  local t0; t0=$(date +%s)
  dockerd --data-root "$KIND_CACHE/docker" --exec-root "$KV_ENGINE_RUN/exec" \
      -H "$DOCKER_HOST" --pidfile "$KV_ENGINE_RUN/docker.pid" \
      --iptables=false --ip-masq=false --ip6tables=false --ip-forward=false \
      --bridge=none --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs \
      --add-runtime "kv-runc=$KV_ENGINE_RUN/runc-nosysres" --default-runtime kv-runc \
      > "$KV_ENGINE_RUN/dockerd.log" 2>&1 &
  KV_ENGINE_PID=$!
  local i
  for i in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$KV_ENGINE_PID" 2>/dev/null || { tail -20 "$KV_ENGINE_RUN/dockerd.log" >&2; kv_die "dockerd exited"; }
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { tail -20 "$KV_ENGINE_RUN/dockerd.log" >&2; kv_die "dockerd did not answer in 60 s"; }
  kv_log "dockerd $(docker version --format '{{.Server.Version}}') pid $KV_ENGINE_PID up in $(( $(date +%s) - t0 )) s (data root $KIND_CACHE/docker)"
}

# kv_engine_bridges: the host's Linux bridges, one name a line, sorted
kv_engine_bridges() { ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }

# kv_engine_stop: stops the dockerd this run started (SIGTERM by PID, then waits; SIGKILL after 30 s) and checks
# the host's FORWARD chain is as it was.
kv_engine_stop() {
  [ -n "${KV_ENGINE_PID:-}" ] || return 0
  if kill -0 "$KV_ENGINE_PID" 2>/dev/null; then
    kill -TERM "$KV_ENGINE_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 60); do kill -0 "$KV_ENGINE_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$KV_ENGINE_PID" 2>/dev/null && { kv_log "dockerd did not stop in 30 s: SIGKILL"; kill -KILL "$KV_ENGINE_PID" 2>/dev/null || true; }
  fi
  KV_ENGINE_PID=""
  # dockerd leaves its bind mount of the host network namespace (exec root/netns/default) behind
  local m
  for m in $(awk -v r="$KV_ENGINE_RUN/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || kv_log "WARNING: could not unmount $m"
  done
  rm -rf "$KV_ENGINE_RUN/exec"
  if [ -f "$KV_ENGINE_RUN/forward.before" ]; then
    if iptables -S FORWARD | cmp -s - "$KV_ENGINE_RUN/forward.before"; then
      kv_log "host FORWARD chain unchanged"
    else
      kv_log "WARNING: host FORWARD chain changed while dockerd ran:"; iptables -S FORWARD | diff "$KV_ENGINE_RUN/forward.before" - >&2 || true
    fi
  fi
  if [ -f "$KV_ENGINE_RUN/bridges.before" ]; then
    local extra; extra="$(kv_engine_bridges | comm -13 "$KV_ENGINE_RUN/bridges.before" -)"
    if [ -z "$extra" ]; then kv_log "host bridges: none left by this engine"
    else kv_log "WARNING: bridges that appeared while dockerd ran (other jobs' or ours): $extra"; fi
  fi
}
