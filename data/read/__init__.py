"""Read services: what pages, callbacks and the API ask of the data — the cube's figures, the map's view
models, the region profile, monitoring and early warning — always through the caller's Access."""
