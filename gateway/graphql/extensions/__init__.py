"""Schema extensions, one per file. Each hooks the operation as a whole, never per field."""
