"""Geometry: packaged and imported boundaries, simplification, illustrative subdivisions, web routes."""
