"""The Writing tab."""
