"""A stand-in for the app in test_orphaned_worker.py: loads the bundled model, prints the engine worker's pid and
keeps the worker busy until the test SIGKILLs this process.

    python orphan_parent.py LOG_DIR reply    # a reply that never ends (ignore_eos): the pid after its first piece
    python orphan_parent.py LOG_DIR prompt   # a prompt that nearly fills an 8,192-token context: the pid before it
"""

import sys

from desktop_gpt.engine import Engine, SamplingParams, run_to_text
from desktop_gpt.models.local import bundled_model

if __name__ == "__main__":  # the worker is spawned: it imports this file again
    log_dir, mode = sys.argv[1], sys.argv[2]
    engine = Engine(log_dir=log_dir, state_dir=log_dir)
    # On the CPU everywhere: on a GPU the whole prompt could be done before the test sees it started.
    engine.load(bundled_model(), context_size=8192 if mode == "prompt" else 1024, gpu_layers=0)
    if mode == "reply":
        events = engine.chat([{"role": "user", "content": "Tell me a long story."}],
                             SamplingParams(max_tokens=1_000_000, ignore_eos=True))
        next(events)
        print(engine.pid, flush=True)
        for _event in events:
            pass
    else:
        print(engine.pid, flush=True)
        words = " ".join(f"item{i}" for i in range(1700))  # about 7,400 tokens with the chat template
        run_to_text(engine.chat([{"role": "user", "content": words}], SamplingParams(max_tokens=1)))
    print("finished", flush=True)  # not reached: the test kills this process first
