#!/usr/bin/env bash
# Remakes docs/*.png: the first page of every document, rendered from the
# samples with the embedded rules, as the README shows them.
# Needs pdftoppm (Debian: poppler-utils; installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pdftoppm >/dev/null; then
  sudo=; ((EUID == 0)) || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq poppler-utils
fi
cargo build --release --quiet
bin=$PWD/target/release/feebook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
j=(--journal "$work/journal.sqlite")

"$bin" notice -o "$work/notice.pdf" >/dev/null
"$bin" quote samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml -o "$work/quote.pdf" >/dev/null
"$bin" order samples/orders/paid-repair-802.yaml -o "$work/work-order.pdf" "${j[@]}" >/dev/null
"$bin" receipt samples/payments/immediate-repair-802.yaml -o "$work/receipt.pdf" "${j[@]}" >/dev/null
"$bin" register samples/orders/2026-11.csv --month 2026-11 -o "$work/register.pdf" >/dev/null
"$bin" bill samples/orders/2026-11.csv --month 2026-11 -o "$work/bill/" "${j[@]}" >/dev/null
# A customer with many orders of several kinds.
cp "$work"/bill/billing-notice-*-远航国际货运代理有限公司.pdf "$work/billing-notice.pdf"

mkdir -p docs
for d in notice quote work-order billing-notice receipt register; do
  pdftoppm -png -r 100 -f 1 -l 1 -singlefile "$work/$d.pdf" "docs/$d" 2>/dev/null
  echo "docs/$d.png"
done
