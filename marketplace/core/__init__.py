"""What every domain may use and that uses no domain: the database base and naming,
the clock, SQL date helpers, full-text search, the request log, security headers,
the audit log and outgoing mail."""
