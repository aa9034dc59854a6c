#!/usr/bin/env bash
# Usage: clir-bench.sh BIN DIR RUNS — end-to-end wall time of each read command (min and median of RUNS).
set -euo pipefail
BIN=$1; DIR=$2; RUNS=${3:-5}
SESSION=$($BIN --dir "$DIR" sessions --json | head -1 | python3 -c 'import sys,json; l=sys.stdin.readline(); print(json.loads(l)["session_id"] if l else "")')
ID=$($BIN --dir "$DIR" list --json --limit 1 | python3 -c 'import sys,json; print(json.loads(sys.stdin.readline())["id"])')
measure() {
  local label=$1; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    local start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    local end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "| %-42s | %6.2f | %6.2f |\n", l, a[1], a[int((NR+1)/2)]}'
}
echo "| command | min s | median s |"
echo "|---|---:|---:|"
measure "list --limit 0 (load only)" $BIN --dir "$DIR" list --limit 0
measure "list (table, 50 rows)" $BIN --dir "$DIR" list
measure "list --json (50 lines)" $BIN --dir "$DIR" list --json
measure "list --json --limit 1000000 (every record)" $BIN --dir "$DIR" list --json --limit 1000000
measure "list --limit 1000000 (table, every record)" $BIN --dir "$DIR" list --limit 1000000
measure "list --search 'deploy mutex'" $BIN --dir "$DIR" list --search "deploy mutex"
measure "show ID" $BIN --dir "$DIR" show "$ID"
measure "show ID-PREFIX (8 chars)" $BIN --dir "$DIR" show "${ID:0:8}"
measure "sessions" $BIN --dir "$DIR" sessions
measure "sessions --json" $BIN --dir "$DIR" sessions --json
[ -n "$SESSION" ] || exit 0
measure "conversation SESSION" $BIN --dir "$DIR" conversation "$SESSION"
measure "conversation SESSION --markdown" $BIN --dir "$DIR" conversation "$SESSION" --markdown
