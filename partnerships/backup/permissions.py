# Backups are made and restored from the command line only: no page, nothing to allow.
POLICY: dict = {}
