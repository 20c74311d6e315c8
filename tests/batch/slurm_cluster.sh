# A throwaway single-node Slurm cluster (Debian's slurm-wlm and munge) for
# the tests, sourced by mtp_batch_test.sh. Every daemon runs as root in the
# foreground, a child of the test, with its key, configuration, sockets,
# state and logs in one folder, on ports of its own, so that it touches
# nothing of a Slurm or munge the host may run; slurm_cluster_stop takes it
# all down again.
#
#   slurm_cluster_unavailable  prints why no cluster can run here, or fails
#   slurm_cluster_start DIR    starts the daemons and waits for an idle node;
#                              on failure sets slurm_why (the daemons' own
#                              words); not in a subshell, which would lose
#                              the daemons' pids
#   slurm_cluster_stop         cancels every job, stops the daemons and ends
#                              whatever the jobs left; safe to call twice
#   sl COMMAND...              a Slurm client run against the cluster
#
# No cgroups (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none): a
# container rarely lets slurmd manage them, and the jobs need none.

slurm_dir=""
slurm_why=""
slurm_pids=()
slurm_node=""

# Slurm clients retry a silent controller for a long while: bounded here so
# that no test waits on a dead cluster past its own limits.
sl() { SLURM_CONF=$slurm_dir/slurm.conf timeout 20 "$@"; }

slurm_cluster_unavailable() {
  local p
  for p in slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$p" >/dev/null || { echo "slurm-wlm not installed (no $p; scripts/setup.sh installs it)"; return 0; }
  done
  for p in munged munge unmunge; do
    command -v "$p" >/dev/null || { echo "munge not installed (no $p; scripts/setup.sh installs it)"; return 0; }
  done
  # The daemons run as root so that no slurm or munge user needs to own
  # the test's folder; slurmd must be root anyway to run jobs as their user.
  [ "$(id -u)" = 0 ] || { echo "not root: the test's slurmctld, slurmd and munged run as root"; return 0; }
  return 1
}

# Two consecutive ports no socket on this host uses, from a range below the
# kernel's ephemeral ports, so that two clusters at once do not collide.
free_port_pair() {
  local used try port
  for try in $(seq 1 50); do
    port=$((20000 + RANDOM % 10000))
    used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk 'NR > 1 { split($2, a, ":"); print a[2] }')
    if ! grep -qx -e "$(printf %04X "$port")" -e "$(printf %04X $((port + 1)))" <<<"$used"; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Starts DAEMON_ARGS... in the background under `timeout`, which ends it even
# if this shell dies before its teardown (killed outright, or by ctest past
# the test's TIMEOUT), and records the pid; stdin closed and output to LOG
# so that no daemon holds the test's pipes open.
slurm_spawn() {
  local log=$1; shift
  SLURM_CONF=$slurm_dir/slurm.conf timeout --kill-after=5 900 "$@" </dev/null >"$log" 2>&1 &
  slurm_pids+=($!)
}

# The last lines a daemon wrote, to say why it did not start.
last_words() { grep -v '^\s*$' "$1" 2>/dev/null | tail -n 3 | tr '\n' ' '; }

slurm_cluster_start() {
  slurm_dir=$1
  local d=$slurm_dir
  mkdir -p "$d/munge" "$d/run" "$d/state" "$d/spool" "$d/log"
  # munged refuses a socket that not every user can reach, and a key others
  # can read.
  chmod 755 "$d" "$d/run"
  chmod 700 "$d/munge"
  local dir=$d
  while [ "$dir" != / ]; do
    [ "$(( $(stat -c %#a "$dir") & 1 ))" = 1 ] || {
      slurm_why="munged needs its socket reachable by every user, and $dir is not (o+x)"; return 1; }
    dir=$(dirname "$dir")
  done
  head -c 1024 /dev/urandom >"$d/munge/munge.key"
  chmod 400 "$d/munge/munge.key"

  local port
  port=$(free_port_pair) || { slurm_why="no two free ports in 20000-29999"; return 1; }
  slurm_node=$(hostname -s)
  local mem_mib
  # Half the memory: a node claiming more than slurmd finds is drained.
  mem_mib=$(awk '/^MemTotal:/ { print int($2 / 2048) }' /proc/meminfo)
  cat >"$d/slurm.conf" <<EOF
ClusterName=test
SlurmctldHost=$slurm_node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/run/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# Finished jobs stay visible to scontrol for the test's checks.
MinJobAge=900
# A cancelled task's processes get SIGTERM, then SIGKILL this much later.
KillWait=10
NodeName=$slurm_node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem_mib State=UNKNOWN
PartitionName=test Nodes=$slurm_node Default=YES MaxTime=30 State=UP
EOF

  slurm_spawn "$d/log/munged.out" munged --foreground --socket="$d/run/munge.socket" --key-file="$d/munge/munge.key" \
    --pid-file="$d/run/munged.pid" --log-file="$d/log/munged.log" --seed-file="$d/munge/munged.seed"
  # Bounded by the clock, not by a count of tries: each try may itself
  # wait up to its own timeout.
  local deadline=$((SECONDS + 10))
  until timeout 5 munge -n -S "$d/run/munge.socket" 2>/dev/null | timeout 5 unmunge -S "$d/run/munge.socket" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { slurm_why="munged did not start: $(last_words "$d/log/munged.out")"; return 1; }
    sleep 0.2
  done

  slurm_spawn "$d/log/slurmctld.out" slurmctld -D
  slurm_spawn "$d/log/slurmd.out" slurmd -D -N "$slurm_node"
  deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(sl sinfo -h -n "$slurm_node" -o %t 2>/dev/null)" != idle ] || return 0
    kill -0 "${slurm_pids[1]}" 2>/dev/null || { slurm_why="slurmctld did not start: $(last_words "$d/log/slurmctld.out")"; return 1; }
    kill -0 "${slurm_pids[2]}" 2>/dev/null || { slurm_why="slurmd did not start: $(last_words "$d/log/slurmd.out")"; return 1; }
    sleep 0.5
  done
  slurm_why="node $slurm_node not idle after 30 s: $(sl sinfo -h -N -o '%t %E' 2>&1 | tr '\n' ' ') $(last_words "$d/log/slurmd.log")"
  return 1
}

# Processes that the cluster started and that outlived it: slurmstepd and a
# job's own, which are no children of slurmd (it double-forks them) but carry
# the cluster's SLURM_CONF in their environment, as nothing else does.
slurm_leftovers() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] || continue
    tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$slurm_dir/slurm.conf" && echo "$p"
  done
  return 0
}

slurm_cluster_stop() {
  [ "${#slurm_pids[@]}" -gt 0 ] || return 0
  local i pid deadline
  # Jobs first, while slurmd is there to signal them.
  if kill -0 "${slurm_pids[2]:-0}" 2>/dev/null; then
    sl scancel --user=root >/dev/null 2>&1 || true
    deadline=$((SECONDS + 20))
    while [ "$SECONDS" -lt "$deadline" ] && [ -n "$(sl squeue -h -o %i 2>/dev/null)" ]; do
      sleep 0.5
    done
  fi
  # slurmd and slurmctld, then munged, which they need to the end. Each pid
  # is that of its `timeout`, which passes SIGTERM on; a daemon still there
  # 10 s later is killed itself, since killing only its `timeout` would
  # leave it running.
  local daemon
  for pid in "${slurm_pids[2]:-}" "${slurm_pids[1]:-}" "${slurm_pids[0]}"; do
    [ -n "$pid" ] || continue
    daemon=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    kill -TERM "$pid" 2>/dev/null || continue
    for i in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      [ -z "$daemon" ] || kill -KILL $daemon 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  for pid in $(slurm_leftovers); do
    echo "slurm: ending a leftover process: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" >&2
    kill -KILL "$pid" 2>/dev/null || true
  done
  slurm_pids=()
}
