"""Prompt builders for the Writing, Translation and Code tools: pure functions, no Qt."""
