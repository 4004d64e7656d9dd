#!/bin/bash
# One GPU session (tox -e gpu by stages, each time-boxed): every throughput suite on CUDA, one JSON
# per suite file, then every paper's default-size reproduction on CUDA; all back as one tarball.
export PYTHONPATH=$PWD REPRO_DATA=$PWD/.devdata PYTHONUNBUFFERED=1 MPLBACKEND=Agg
R=/tmp/r; mkdir -p $R/bench $R/gpu
START=$(date +%s); el() { echo $(( $(date +%s) - START )); }
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc; uptime; python3 -c "import torch;print(torch.__version__)"; } > $R/gpu.txt
for f in suites/throughput/test_*.py; do
  n=$(basename $f .py)
  timeout ${SUITE_S:-35} python3 -m pytest $f --benchmark-only --device cuda -q -p no:cacheprovider \
    --benchmark-max-time=0.2 --benchmark-json=$R/bench/$n.json > $R/bench/$n.log 2>&1
  echo "$n rc=$? t=$(el)" >> $R/gpu.txt
done
for p in ${PAPERS:-stgcn poseconv3d crrl ssl_taxonomy cgdm mixmim ltgan dcn gcn swin}; do
  left=$(( ${TOTAL_S:-520} - $(el) )); [ $left -gt 20 ] || break
  timeout $left python3 -m repro.cli --results $R/gpu run $p --device cuda --jobs 16 --no-progress > $R/gpu/$p.log 2>&1
  echo "$p rc=$? t=$(el)" >> $R/gpu.txt
done
timeout 20 python3 -m repro.cli --results $R/gpu table --size default >> $R/gpu.txt 2>&1
rm -rf $R/gpu/default/.jobs; tar czf $OUT/results.tgz -C $R .
cat $R/gpu.txt
