#!/bin/sh
# Makes a dummy patient-level dataset (highly sensitive: stays at level 3).
set -eu
mkdir -p output
awk 'BEGIN {
  print "patient_id,age,sex"
  for (i = 1; i <= 6000; i++) print i "," (i * 37) % 90 + 10 "," (i % 2 ? "M" : "F")
}' > output/dataset.csv
echo "generated $(( $(wc -l < output/dataset.csv) - 1 )) patients"
