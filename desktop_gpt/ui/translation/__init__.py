"""The Translation tab."""
