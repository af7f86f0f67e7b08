"""Pages of the yearly cycle: my work, an entry, the review and the results import."""
