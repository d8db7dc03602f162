"""customer-pyramid: raw sales → DuckDB → dbt → a validated customer pyramid."""
