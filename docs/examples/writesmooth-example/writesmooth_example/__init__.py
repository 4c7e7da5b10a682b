"""writesmooth-example: a third-party writesmooth plugin written against the public contract."""
