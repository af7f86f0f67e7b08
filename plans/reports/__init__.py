"""What is read out of the plan: its evaluation, the dashboards, the print and .xlsx reports,
open data. Reads only; never writes an entry and never imports the yearly cycle."""
