"""writesmooth-lstm-graves: the Graves (2013) handwriting synthesis network as a writesmooth plugin."""
