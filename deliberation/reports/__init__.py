"""The report: outcomes, published versions of the outcome document and their forms."""
