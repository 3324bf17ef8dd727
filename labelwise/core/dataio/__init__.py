"""Data in and out: task imports (rows, files, annotations, YOLO, the import job), exports, snapshots and the demo."""
