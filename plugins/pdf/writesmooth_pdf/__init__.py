"""writesmooth-pdf: handwriting on pages of a vector PDF (fpdf2)."""
