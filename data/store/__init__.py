"""Storage: the schema and its migrations, the engine, the region hierarchy and boundaries, the stored
records, accounts and the audit log. Every read that touches regions takes the caller's Access."""
