"""The demo: a deterministic, scalable generator of realistic records for every contract table, its
calibration, the scales, and the loading of the real hierarchy with illustrative townships and villages."""
