"""The platform-neutral core: what the bot decides and remembers."""
