"""Domain logic: label schemas, validation and the services that own each transaction."""
