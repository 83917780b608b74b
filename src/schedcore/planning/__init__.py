"""Planning: allocate units to clusters with hosts, dates and trainer teams, provably well."""
