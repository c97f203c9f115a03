"""SQLite storage: conversations as message trees, with ordered, recorded migrations (no Qt)."""

from desktop_gpt.storage.conversations import Conversation, ConversationStore, Message, SearchHit
from desktop_gpt.storage.db import Database

__all__ = ["Conversation", "ConversationStore", "Database", "Message", "SearchHit"]
