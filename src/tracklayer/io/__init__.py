"""Input/output: columnar tables and Parquet, the CZML scene."""
