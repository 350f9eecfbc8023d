"""The ETL library: one module per stage; the Prefect flows in `flows/` only wire these functions together."""

import os

# The pipeline runs shards in parallel (one per worker); BLAS threads inside each worker only contend with
# them: natasha's NER ran 3.5x slower with OpenBLAS's default threads than with one. Effective only when set
# before numpy is first imported; an explicit setting in the environment wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
