"""Files in and out, all untrusted on the way in: CSV data, the export, the replay and the exported script."""
