"""Storage: atomic files and the resumable sweep store (SQLite)."""
