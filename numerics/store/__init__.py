"""Storage: atomic files and the one cell store and runner of long experiments (SQLite, Dask)."""
