"""The Chat tab: conversation list, message view with streaming Markdown, and the composer."""
