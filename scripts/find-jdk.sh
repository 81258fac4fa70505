#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer: $JAVA_HOME when it is new enough, else the newest JDK
# under /usr/lib/jvm (or on PATH). Exits 1 with a hint when there is none.
set -euo pipefail

major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }

if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/javac" ]] && (( $(major "$JAVA_HOME") >= 21 )); then
  echo "$JAVA_HOME"; exit 0
fi
best="" best_v=0
candidates=(/usr/lib/jvm/*)
if command -v javac >/dev/null 2>&1; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
fi
for home in "${candidates[@]}"; do
  [[ -x "$home/bin/javac" ]] || continue
  v=$(major "$home"); v=${v:-0}
  if (( v >= 21 && v > best_v )); then best="$home"; best_v=$v; fi
done
if [[ -z "$best" ]]; then
  echo "no JDK 21+ found: install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME" >&2
  exit 1
fi
echo "$best"
