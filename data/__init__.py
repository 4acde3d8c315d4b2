"""Data layer: storage schema and access, region hierarchy, importers, generator and pipelines."""
