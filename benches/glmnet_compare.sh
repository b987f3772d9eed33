#!/usr/bin/env bash
# Side-by-side timing of the radiomics-survival LASSO Cox path (+ 10-fold CV) and R glmnet on
# identical data, in one run on one machine. Writes the data and both timing tables to DIR and
# prints the ratio glmnet / radiomics-survival (above 1 means radiomics-survival is faster).
# Usage: benches/glmnet_compare.sh [DIR] [REPS]
# Needs R with glmnet (Debian: apt-get install r-cran-glmnet); without R only our times print.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/lasso_timing}
REPS=${2:-5}
mkdir -p "$DIR"
cargo run --quiet --release -p radiomics-survival --example lasso_timing -- "$DIR" "$REPS" \
  | tee "$DIR/rust.txt"
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(glmnet)' >/dev/null 2>&1; then
  echo "R with glmnet not found: no side-by-side ratios" >&2
  exit 0
fi
Rscript benches/glmnet_compare.R "$DIR" "$REPS" | tee "$DIR/glmnet.txt"
echo
echo "dataset,task,rust_threshold,rust_seconds,glmnet_seconds,ratio_glmnet_over_rust"
awk -F, 'NR == FNR { if (FNR > 1 && $1 !~ /^#/) g[$1 "," $2] = $4; next }
         FNR > 1 { k = $1 "," $2; if (k in g) printf "%s,%s,%s,%.4f,%.4f,%.2f\n", $1, $2, $3, $4, g[k], g[k] / $4 }' \
  "$DIR/glmnet.txt" "$DIR/rust.txt"
