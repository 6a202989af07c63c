#!/bin/sh
# collect-heaplens.sh — gathers the evidence heaplens reads about one process, offline, with what a
# Linux server already has (POSIX sh, cat, date, tar, gzip; pmap, top, ps and gdb's gcore when
# present). Run it as the process's user (or root):
#
#   sh collect-heaplens.sh [-i SECONDS] [-n COUNT] [--gcore] [-o DIR] PID
#
#   -i SECONDS  time between snapshots (default 30)
#   -n COUNT    snapshots to take (default 2)
#   --gcore     also dump a core of the process with gdb's gcore after the last snapshot
#               (the process stops while it is written; the core is as large as its memory)
#   -o DIR      where to write the archive (default: the current directory)
#
# Each snapshot k holds /proc/PID/smaps (smaps.k), pmap -x (pmap-x.k), /proc/PID/status
# (status.k), top -b -H -n 1 -p PID (top.k; ps -L when there is no top), /proc/meminfo
# (meminfo.k). manifest.txt says when each snapshot was taken, the machine (uname -a), the pid
# and command line. Everything goes into heaplens-PID-DATE.tar.gz: drop it into heaplens.
set -u

interval=30
count=2
gcore=0
outdir=.
pid=

usage() {
  echo "usage: sh $0 [-i SECONDS] [-n COUNT] [--gcore] [-o DIR] PID" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    -i) [ $# -ge 2 ] || usage; interval=$2; shift 2 ;;
    -n) [ $# -ge 2 ] || usage; count=$2; shift 2 ;;
    -o) [ $# -ge 2 ] || usage; outdir=$2; shift 2 ;;
    --gcore) gcore=1; shift ;;
    -h|--help) usage ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *) [ -z "$pid" ] || usage; pid=$1; shift ;;
  esac
done

case "$pid" in ''|*[!0-9]*) echo "$0: give the PID of the process (a number)" >&2; usage ;; esac
case "$interval" in ''|*[!0-9.]*) echo "$0: -i takes seconds" >&2; usage ;; esac
case "$count" in ''|*[!0-9]*|0) echo "$0: -n takes a count of at least 1" >&2; usage ;; esac
if [ ! -r "/proc/$pid/status" ]; then
  echo "$0: no process $pid (or /proc/$pid is not readable)" >&2
  exit 1
fi
if [ ! -r "/proc/$pid/smaps" ]; then
  echo "$0: cannot read /proc/$pid/smaps: run as the process's user or root" >&2
  exit 1
fi

have() { command -v "$1" >/dev/null 2>&1; }

# Seconds since the epoch, with a fraction when date has %N (GNU, busybox).
now() {
  t=$(date +%s.%N 2>/dev/null)
  case "$t" in *N*|*%*|'') t=$(date +%s) ;; esac
  echo "$t"
}

stamp=$(date +%Y%m%d-%H%M%S)
name="heaplens-$pid-$stamp"
work="${TMPDIR:-/tmp}/$name.$$"
mkdir -p "$work" || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

manifest="$work/manifest.txt"
{
  echo "# heaplens collection 1"
  echo "pid=$pid"
  echo "command=$(tr '\000' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
  echo "uname=$(uname -a)"
  echo "user=$(id -un 2>/dev/null)"
  echo "interval=$interval"
  echo "count=$count"
  echo "started=$(now)"
} > "$manifest"

k=1
while [ "$k" -le "$count" ]; do
  [ -d "/proc/$pid" ] || { echo "$0: process $pid exited before snapshot $k" >&2; echo "note=process exited before snapshot $k" >> "$manifest"; break; }
  t=$(now)
  files=""
  cat "/proc/$pid/smaps" > "$work/smaps.$k" 2>/dev/null && files="$files smaps.$k"
  if have pmap; then pmap -x "$pid" > "$work/pmap-x.$k" 2>/dev/null && files="$files pmap-x.$k"; fi
  cat "/proc/$pid/status" > "$work/status.$k" 2>/dev/null && files="$files status.$k"
  if have top; then
    COLUMNS=512 top -b -H -n 1 -p "$pid" > "$work/top.$k" 2>/dev/null && files="$files top.$k"
  elif have ps; then
    ps -L -o pid,tid,stat,comm -p "$pid" > "$work/ps.$k" 2>/dev/null && files="$files ps.$k"
  fi
  cat /proc/meminfo > "$work/meminfo.$k" 2>/dev/null && files="$files meminfo.$k"
  echo "snapshot $k time=$t files=${files# }" >> "$manifest"
  echo "heaplens: snapshot $k of $count taken" >&2
  if [ "$k" -lt "$count" ]; then sleep "$interval"; fi
  k=$((k + 1))
done

if [ "$gcore" = 1 ]; then
  if have gcore; then
    t=$(now)
    if gcore -o "$work/core" "$pid" > "$work/gcore.log" 2>&1 && [ -f "$work/core.$pid" ]; then
      echo "gcore time=$t file=core.$pid" >> "$manifest"
    else
      echo "gcore failed: $(tail -n 1 "$work/gcore.log")" >&2
      echo "note=gcore failed: $(tail -n 1 "$work/gcore.log")" >> "$manifest"
    fi
    rm -f "$work/gcore.log"
  else
    echo "$0: gcore (from gdb) is not installed: no core" >&2
    echo "note=gcore not installed" >> "$manifest"
  fi
fi
echo "finished=$(now)" >> "$manifest"

mkdir -p "$outdir" || exit 1
out="$outdir/$name.tar.gz"
(cd "$work" && tar -cf - manifest.txt $(ls | grep -v '^manifest\.txt$')) | gzip -c > "$out.part" && mv "$out.part" "$out" || { rm -f "$out.part"; echo "$0: could not write $out" >&2; exit 1; }
echo "$out"
