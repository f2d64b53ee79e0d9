"""A user's data as one JSON document (`openmaze export`, `openmaze import-user`): `service`."""
