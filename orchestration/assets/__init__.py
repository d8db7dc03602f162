"""The pyramid's assets, in the order data walks: raw inputs → dbt models → checks → published → report."""
