"""The Hugging Face Hub: app store and model downloads (no Qt)."""
