#!/usr/bin/env bash
# Benchmarks that need whole processes: start-up, memory over many
# documents, a large month. Figures go in the README.
#
#   scripts/bench.sh            # all
#   scripts/bench.sh notices    # only the 10,000-notice month
#   scripts/bench.sh stress     # only the month with ten 20-page notices
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

# A month with 10,417 billing notices: 30,000 orders from 17,000 customers,
# a third of them from 170 regulars (notices of 2-3 pages a copy).
if [[ $what == all || $what == notices ]]; then
  echo "== a month of 10,417 billing notices (goal: ≥ 400 notices/s on 2 cores, peak memory < 200 MB)"
  target/release/examples/gen_orders 30000 --customers 17000 --regulars 170 --seed 1 -o "$work/orders.csv"
  # FEEBOOK_TIMINGS: each phase's wall and CPU time, on stderr.
  FEEBOOK_TIMINGS=1 /usr/bin/time -f "wall %e s, peak memory %M KB" \
    "$bin" bill "$work/orders.csv" --month 2026-11 --journal "$work/j.sqlite" -o "$work/bill/" >"$work/bill.log"
  tail -n 20 "$work/bill.log" | head -n 3
  echo "notices: $(ls "$work/bill" | grep -c '^billing-notice-')"
fi

# A harder month: 25,000 orders from 10,000 customers, a third of them from
# only 10 regulars, whose notices run to 20-odd pages a copy.
if [[ $what == all || $what == stress ]]; then
  echo "== a month of 7,368 billing notices, ten of them of ≈ 660 orders"
  target/release/examples/gen_orders 25000 --customers 10000 --seed 1 -o "$work/stress.csv"
  /usr/bin/time -f "wall %e s, peak memory %M KB" \
    "$bin" bill "$work/stress.csv" --month 2026-11 --journal "$work/js.sqlite" -o "$work/stress/" >"$work/stress.log"
  echo "notices: $(ls "$work/stress" | grep -c '^billing-notice-')"
fi
