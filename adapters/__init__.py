"""One sub-package per chat platform: translate, never decide."""
