"""PostgreSQL persistence: tables, repositories, the unit of work, the engine."""
