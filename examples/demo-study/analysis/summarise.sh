#!/bin/sh
# Aggregates the dataset (moderately sensitive). patient_rows.csv copies every row and is therefore
# excluded from level 4 by the output checks (too many rows, and a patient_id column).
set -eu
awk -F, 'NR > 1 { n[$3]++ } END { print "sex,count"; for (s in n) print s "," n[s] }' output/dataset.csv > output/summary.csv
cp output/dataset.csv output/patient_rows.csv
cat output/summary.csv
