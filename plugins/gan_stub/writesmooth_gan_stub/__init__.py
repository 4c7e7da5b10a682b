"""writesmooth-gan-stub: the smallest complete model plugin, and a placeholder for a GAN."""
