"""Computation: the pandas pipelines that aggregate records into the metric cube (partition by county),
the build that stores it, and the early-warning risk score. Pure functions of frames, plus the build."""
