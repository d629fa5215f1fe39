"""Vision training package (an example project for Seam)."""
