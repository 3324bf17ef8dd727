"""Data in and out: task imports (rows, files, annotations, media files, YOLO, the import job), exports,
snapshots and the demo."""
