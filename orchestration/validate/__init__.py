"""Great Expectations checks of every build: raw inputs before dbt, the marts after it, before publishing."""
