"""Model files: reading GGUF headers, finding the bundled and installed models (no Qt, no llama.cpp)."""
