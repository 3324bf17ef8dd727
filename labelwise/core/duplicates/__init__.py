"""Duplicates: cluster scans, the stored clusters, and duplicate checks at import."""
