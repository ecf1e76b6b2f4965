"""Cost and speed per article, side by side with LangChain and instructor, and how the
library's own work grows with the length of the document. One command:

    python -m benchmarks.perf                 # or: make bench
    python -m benchmarks.perf --no-real       # no real model: a few minutes
    python -m benchmarks.perf --quick         # --no-real --no-peers, sizes 10k and 100k only

Modules: :mod:`.common` (rows, timers, tables), :mod:`.inputs` (the long documents),
:mod:`.endpoints` (the simulated endpoint and a metering relay), :mod:`.ours` (factcheck's
runs), :mod:`.peers` (LangChain and instructor), :mod:`.scaling` (library time, cached
re-run and memory at growing sizes; each size in its own process), :mod:`.run` (the run,
the targets, the tables).

Rows:
- the seed article on the REAL embedded model (SmolLM2-135M via llama.cpp; or the server in
  OPENAI_BASE_URL), for factcheck, LangChain and instructor, all on the same endpoint;
- a ~100k-token document (SummEdits podcast and meeting transcripts, concatenated and
  repeated; read from ``--data`` at run time) on a SIMULATED endpoint
  (:mod:`benchmarks.latency_server`: recorded answers after a fixed delay per call), because
  the embedded model would need hours for it on two cores. Simulated answers say nothing
  about quality, so validity is not judged there;
- the scaling table: documents of about 10k, 100k and 250k tokens (250k is near the
  1,000,000-character input limit) on the simulated endpoint with no delay, so that what is
  measured is the library's own work.

Tokens: "in tok"/"out tok" are what the endpoint reported (llama.cpp counts with the model's
own tokenizer; the simulator with cl100k_base). "article tok" is the article's cl100k_base
count; "in ÷ art" divides the two (1.0 = the article read once).

Prints the tables and the targets, and writes JSON to benchmarks/results/perf.json.
"""
