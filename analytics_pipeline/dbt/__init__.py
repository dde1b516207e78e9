"""dbt: the project's sources YAML from the contract, dbt assets and translator."""
