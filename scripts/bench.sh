#!/usr/bin/env bash
# Benchmarks that need whole processes: start-up, memory over many
# documents, a large month. Figures go in the README.
#
#   scripts/bench.sh            # all
#   scripts/bench.sh notices    # only the 10,000-notice month
#
# Needs hyperfine and GNU time; installs them from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
  sudo=; ((EUID == 0)) || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}"
fi
cargo build --release --quiet --examples
bin=target/release/feebook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
what=${1:-all}

if [[ $what == all || $what == process ]]; then
  echo "== feebook quote as a fresh process (goal < 60 ms)"
  hyperfine --warmup 3 --runs 30 -N \
    "$bin quote samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml -o $work/q.pdf"
fi

if [[ $what == all || $what == many ]]; then
  echo "== 1,000 quote sheets in a row in one process (goal: peak memory < 150 MB)"
  target/release/examples/render_many 1000
fi

if [[ $what == all || $what == notices ]]; then
  echo "== a month of 10,000 billing notices (goal: ≥ 400 notices/s on 2 cores, peak memory < 200 MB)"
  target/release/examples/gen_orders 25000 --customers 10000 --seed 1 -o "$work/orders.csv"
  /usr/bin/time -f "wall %e s, peak memory %M KB" \
    "$bin" bill "$work/orders.csv" --month 2026-11 --journal "$work/j.sqlite" -o "$work/bill/" >"$work/bill.log"
  tail -n 20 "$work/bill.log" | head -n 3
  echo "notices: $(ls "$work/bill" | grep -c '^billing-notice-')"
fi
