# Container engines for the scripts (sourced, not run): podman/buildah with the settings
# these machines need, a private Docker engine and a loopback registry, each stopped by
# the pid it wrote. tests/container.rs starts dockerd with the same flags.
#
#   engines_init            a private temp dir and an EXIT trap that stops what was started
#   pod ARGS...             podman with own storage (vfs, runc, cgroupfs, no default ulimits)
#   dockerd_up              DOCKER_HOST of an engine that answers: the one already there, or
#                           a dockerd started here on a socket under /tmp/ata-dk-XXXX
#   registry_up             Debian's docker-registry on 127.0.0.1:<ephemeral>; sets REGISTRY
#
# Needs bash; set -euo pipefail in the caller.

engines_init() {
  ENGINES_TMP="$(mktemp -d /tmp/ata-en-XXXX)"
  ENGINES_STOP=()
  trap engines_cleanup EXIT
  # Podman's own storage for this run only (a scratch image is small); short run root.
  POD_STORE="$ENGINES_TMP/podman"
  mkdir -p "$POD_STORE"
  printf '[containers]\ndefault_ulimits = []\n' > "$POD_STORE/containers.conf"
}

engines_cleanup() {
  local rc=$? i
  for ((i = ${#ENGINES_STOP[@]} - 1; i >= 0; i--)); do eval "${ENGINES_STOP[$i]}" || true; done
  rm -rf "$ENGINES_TMP"
  return "$rc"
}

pod() {
  CONTAINERS_CONF="$POD_STORE/containers.conf" podman --root "$POD_STORE/storage" \
    --runroot "$ENGINES_TMP/run" --storage-driver vfs --runtime runc --cgroup-manager cgroupfs "$@"
}

# stop_pid PIDFILE NAME: TERM, wait up to 30 s, then KILL.
stop_pid() {
  local pid i
  pid="$(cat "$1" 2>/dev/null)" || return 0
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || { printf '==> %s (pid %s) stopped\n' "$2" "$pid" >&2; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  printf '==> %s (pid %s) killed after 30 s\n' "$2" "$pid" >&2
}

# unmount_under DIR: what dockerd leaves mounted there after it stopped (the nsfs of its
# default network namespace, exec/netns/default), deepest first.
unmount_under() {
  local m
  for m in $(awk -v d="$1/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do umount "$m" || true; done
}

dockerd_up() {
  if docker info >/dev/null 2>&1; then
    DOCKER_SOCKET="$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null || echo "${DOCKER_HOST:-unix:///var/run/docker.sock}")"
    printf '==> docker: using the engine at %s\n' "$DOCKER_SOCKET" >&2
    return 0
  fi
  command -v dockerd >/dev/null || { echo "no Docker engine answers and dockerd is not installed (scripts/setup)" >&2; return 1; }
  local d i
  d="$(mktemp -d /tmp/ata-dk-XXXX)"
  ENGINES_STOP+=("stop_pid '$d/pid' dockerd; unmount_under '$d'; rm -rf '$d'")
  dockerd --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
    --pidfile "$d/pid" --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
    > "$d/log" 2>&1 &
  export DOCKER_HOST="unix://$d/docker.sock"
  DOCKER_SOCKET="$DOCKER_HOST"
  for i in $(seq 120); do
    docker info >/dev/null 2>&1 && { printf '==> docker: started dockerd %s (pid %s) on %s\n' \
      "$(docker version --format '{{.Server.Version}}')" "$(cat "$d/pid")" "$DOCKER_HOST" >&2; return 0; }
    sleep 0.5
  done
  tail -n 20 "$d/log" >&2
  echo "dockerd did not answer within 60 s" >&2
  return 1
}

registry_up() {
  local r i port
  r="$ENGINES_TMP/registry"
  mkdir -p "$r"
  # Port 0: the kernel picks a free port; the registry logs it ("listening on ...").
  printf 'version: 0.1\nhttp: {addr: "127.0.0.1:0", secret: local-only}\nstorage: {filesystem: {rootdirectory: %s/data}, delete: {enabled: true}}\nlog: {accesslog: {disabled: true}}\n' \
    "$r" > "$r/config.yml"
  docker-registry serve "$r/config.yml" > "$r/log" 2>&1 &
  echo $! > "$r/pid"
  ENGINES_STOP+=("stop_pid '$r/pid' docker-registry")
  for i in $(seq 100); do
    port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$r/log" | head -n1)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$r/log" >&2; echo "docker-registry did not start" >&2; return 1; }
  REGISTRY="127.0.0.1:$port"
  printf '==> registry: docker-registry (pid %s) on %s\n' "$(cat "$r/pid")" "$REGISTRY" >&2
}
