#!/usr/bin/env Rscript
# Times R glmnet (family = "cox") on the CSV files written by the radiomics-survival example
# `lasso_timing`, with the same folds: the default path, and the path plus
# cv.glmnet(foldid = ..., type.measure = "deviance") with glmnet's defaults (thresh = 1e-7,
# per-fold lambda sequences).
# Usage: Rscript benches/glmnet_compare.R DIR [REPS]
# Prints dataset,task,threshold,median_seconds.
suppressPackageStartupMessages({ library(survival); library(glmnet) })
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "/tmp/lasso_timing"
reps <- if (length(args) >= 2) as.integer(args[2]) else 5L
median_time <- function(f) {
  f()  # warm-up
  t <- vapply(seq_len(reps), function(i) system.time(f())[["elapsed"]], 0)
  median(t)
}
cat("dataset,task,threshold,median_seconds\n")
for (file in sort(list.files(dir, pattern = "\\.csv$", full.names = TRUE))) {
  name <- sub("\\.csv$", "", basename(file))
  d <- read.csv(file, check.names = FALSE)
  x <- as.matrix(d[, setdiff(names(d), c("id", "time", "event", "foldid")), drop = FALSE])
  y <- Surv(d$time, d$event)
  t_path <- median_time(function() glmnet(x, y, family = "cox"))
  cat(sprintf("%s,path,1e-7,%.6f\n", name, t_path))
  t_cv <- median_time(function() cv.glmnet(x, y, family = "cox", foldid = d$foldid))
  cat(sprintf("%s,path_cv10,1e-7,%.6f\n", name, t_cv))
}
cat(sprintf("# R %s, glmnet %s\n", getRversion(), packageVersion("glmnet")))
