#!/bin/sh
# Writes a short report from the summary (moderately sensitive).
set -eu
{
  echo "# Demo study report"
  echo
  echo "| sex | count |"
  echo "|---|---|"
  tail -n +2 output/summary.csv | sed 's/,/ | /; s/^/| /; s/$/ |/'
} > output/report.md
cat output/report.md
