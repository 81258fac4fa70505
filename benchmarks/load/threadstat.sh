#!/usr/bin/env bash
# Per-thread CPU time and context switches of one process while a command runs (or for N seconds):
# what each of its threads cost over that stretch, and how often each was switched in and out.
#
#   benchmarks/load/threadstat.sh PID [--per N] -- COMMAND...   # deltas while COMMAND runs
#   benchmarks/load/threadstat.sh PID [--per N] --idle SECONDS   # deltas over an idle stretch
#
# For every thread of PID alive at both ends (from /proc/PID/task/*: comm, utime+stime of stat,
# voluntary_ctxt_switches and nonvoluntary_ctxt_switches of status) it prints CPU ms, voluntary
# and involuntary switches, and with --per N the same divided by N (e.g. the requests wrk
# completed, to read "switches per request"), busiest first, then the totals: CPU of the whole
# process (threads that ended in between included), switches of the threads listed.
# Counts, unlike wall-clock latency, hold up on a machine that other work shares.
set -euo pipefail

pid=${1:?usage: threadstat.sh PID [--per N] (-- COMMAND... | --idle SECONDS)}
shift
per=""
if [[ ${1-} == --per ]]; then per=$2; shift 2; fi

snapshot() { # -> lines: tid comm-with-underscores cpu_ticks voluntary involuntary
  local t comm rest vol inv
  for t in /proc/"$pid"/task/*; do
    { read -r comm < "$t/comm"
      rest=$(cut -d')' -f2- "$t/stat")
      vol=$(sed -n 's/^voluntary_ctxt_switches:\s*//p' "$t/status")
      inv=$(sed -n 's/^nonvoluntary_ctxt_switches:\s*//p' "$t/status")
    } 2>/dev/null || continue
    # fields after "comm)": state(1) ... utime(12) stime(13)
    awk -v tid="${t##*/}" -v comm="${comm// /_}" -v vol="$vol" -v inv="$inv" \
      '{ print tid, comm, $12 + $13, vol, inv }' <<< "$rest"
  done
}
proc_cpu() { # cpu_ticks of the whole process, ended threads included
  cut -d')' -f2- "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}

before=$(snapshot); cpu_before=$(proc_cpu)
case ${1-} in
  --) shift; "$@" ;;
  --idle) sleep "$2" ;;
  *) echo "usage: threadstat.sh PID [--per N] (-- COMMAND... | --idle SECONDS)" >&2; exit 2 ;;
esac
after=$(snapshot); cpu_after=$(proc_cpu)

hz=$(getconf CLK_TCK)
awk -v hz="$hz" -v per="$per" -v cb="$cpu_before" -v ca="$cpu_after" '
  NR == FNR { cpu[$1] = $3; vol[$1] = $4; inv[$1] = $5; next }
  ($1 in cpu) {
    d = ($3 - cpu[$1]) * 1000 / hz; v = $4 - vol[$1]; i = $5 - inv[$1]
    sv += v; si += i
    if (d > 0 || v > 0 || i > 0) printf "%10.0f %9d %9d  %s\n", d, v, i, $2 | "sort -k1,1nr -k2,2nr"
  }
  END {
    close("sort -k1,1nr -k2,2nr")
    c = (ca - cb) * 1000 / hz
    printf "%10.0f %9d %9d  %s\n", c, sv, si, "(process; switches: the threads above)"
    if (per != "") printf "per %s: %.4f CPU ms, %.3f voluntary, %.3f involuntary switches\n", per,
      c / per, sv / per, si / per
  }' <(echo "$before") <(echo "$after") | { echo "    CPU ms voluntary involuntary  thread"; cat; }
