"""Desktop GPT: a private, offline GPT store on your own computer."""

__version__ = "0.1.0"
APP_NAME = "Desktop GPT"
APP_ID = "desktop-gpt"
