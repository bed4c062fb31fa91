"""Tools around the deployed system: the `intake` command and the local stack."""
